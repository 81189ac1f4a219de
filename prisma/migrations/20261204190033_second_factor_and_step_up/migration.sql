-- AlterTable
ALTER TABLE "AuthorizationCode" ADD COLUMN "authMethods" TEXT;
ALTER TABLE "AuthorizationCode" ADD COLUMN "authenticatedAt" DATETIME;

-- AlterTable
ALTER TABLE "DeviceAuthorization" ADD COLUMN "authMethods" TEXT;
ALTER TABLE "DeviceAuthorization" ADD COLUMN "authenticatedAt" DATETIME;

-- CreateTable
CREATE TABLE "TotpFactor" (
    "userId" TEXT NOT NULL PRIMARY KEY,
    "secret" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmedAt" DATETIME,
    "lastUsedStep" INTEGER,
    CONSTRAINT "TotpFactor_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RecoveryCode" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedAt" DATETIME,
    CONSTRAINT "RecoveryCode_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PendingSignIn" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "methods" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "userAgent" TEXT,
    "ip" TEXT,
    CONSTRAINT "PendingSignIn_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "userAgent" TEXT,
    "clientName" TEXT,
    "clientId" TEXT,
    "scope" TEXT,
    "dpopJkt" TEXT,
    "ip" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "idleExpiresAt" DATETIME NOT NULL,
    "absoluteExpiresAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    "revokedReason" TEXT,
    "dbscPublicKey" TEXT,
    "dbscAlgorithm" TEXT,
    "dbscThumbprint" TEXT,
    "dbscBoundAt" DATETIME,
    "channel" TEXT NOT NULL DEFAULT 'browser',
    "authenticatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "authMethods" TEXT NOT NULL DEFAULT 'pwd',
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Session" ("absoluteExpiresAt", "channel", "clientId", "clientName", "createdAt", "dbscAlgorithm", "dbscBoundAt", "dbscPublicKey", "dbscThumbprint", "dpopJkt", "id", "idleExpiresAt", "ip", "lastUsedAt", "revokedAt", "revokedReason", "scope", "userAgent", "userId") SELECT "absoluteExpiresAt", "channel", "clientId", "clientName", "createdAt", "dbscAlgorithm", "dbscBoundAt", "dbscPublicKey", "dbscThumbprint", "dpopJkt", "id", "idleExpiresAt", "ip", "lastUsedAt", "revokedAt", "revokedReason", "scope", "userAgent", "userId" FROM "Session";
DROP TABLE "Session";
ALTER TABLE "new_Session" RENAME TO "Session";
CREATE INDEX "Session_userId_idx" ON "Session"("userId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "RecoveryCode_userId_codeHash_key" ON "RecoveryCode"("userId", "codeHash");

-- CreateIndex
CREATE UNIQUE INDEX "PendingSignIn_tokenHash_key" ON "PendingSignIn"("tokenHash");

-- CreateIndex
CREATE INDEX "PendingSignIn_userId_idx" ON "PendingSignIn"("userId");

-- CreateIndex
CREATE INDEX "PendingSignIn_expiresAt_idx" ON "PendingSignIn"("expiresAt");

-- Sessions that existed before step-up was recorded: their sign-in is the last
-- authentication known (a password one, the only kind there was).
UPDATE "Session" SET "authenticatedAt" = "createdAt";
