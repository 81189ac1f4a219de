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
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Session" ("absoluteExpiresAt", "clientId", "clientName", "createdAt", "dbscAlgorithm", "dbscBoundAt", "dbscPublicKey", "dbscThumbprint", "dpopJkt", "id", "idleExpiresAt", "ip", "lastUsedAt", "revokedAt", "revokedReason", "scope", "userAgent", "userId") SELECT "absoluteExpiresAt", "clientId", "clientName", "createdAt", "dbscAlgorithm", "dbscBoundAt", "dbscPublicKey", "dbscThumbprint", "dpopJkt", "id", "idleExpiresAt", "ip", "lastUsedAt", "revokedAt", "revokedReason", "scope", "userAgent", "userId" FROM "Session";
DROP TABLE "Session";
ALTER TABLE "new_Session" RENAME TO "Session";
CREATE INDEX "Session_userId_idx" ON "Session"("userId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Sessions of OAuth clients got their tokens from the token endpoint. (Sessions of the
-- legacy password grant cannot be told from browser sign-ins: they sign in again.)
UPDATE "Session" SET "channel" = 'token_api' WHERE "clientId" IS NOT NULL;
