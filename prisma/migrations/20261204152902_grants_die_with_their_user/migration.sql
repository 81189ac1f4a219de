-- Grants die with their user (issue 22, finding 4). Codes and device grants of users
-- deleted before this migration point nowhere: they are removed first, or the foreign
-- keys below could not be added.
DELETE FROM "AuthorizationCode" WHERE "userId" NOT IN (SELECT "id" FROM "User");
DELETE FROM "DeviceAuthorization" WHERE "userId" IS NOT NULL AND "userId" NOT IN (SELECT "id" FROM "User");

-- Loopback redirect URIs match on the port only (RFC 8252 §7.3, finding 5): the seeded
-- demo-cli client, registered without URIs, gets the ones it documents.
UPDATE "OAuthClient" SET "redirectUris" = 'http://127.0.0.1/callback' || char(10) || 'http://[::1]/callback'
WHERE "id" = 'demo-cli' AND "redirectUris" = '';

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AuthorizationCode" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "codeHash" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "redirectUri" TEXT NOT NULL,
    "codeChallenge" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "sessionId" TEXT,
    "replayedAt" DATETIME,
    CONSTRAINT "AuthorizationCode_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_AuthorizationCode" ("clientId", "codeChallenge", "codeHash", "createdAt", "expiresAt", "id", "redirectUri", "replayedAt", "scope", "sessionId", "usedAt", "userId") SELECT "clientId", "codeChallenge", "codeHash", "createdAt", "expiresAt", "id", "redirectUri", "replayedAt", "scope", "sessionId", "usedAt", "userId" FROM "AuthorizationCode";
DROP TABLE "AuthorizationCode";
ALTER TABLE "new_AuthorizationCode" RENAME TO "AuthorizationCode";
CREATE UNIQUE INDEX "AuthorizationCode_codeHash_key" ON "AuthorizationCode"("codeHash");
CREATE INDEX "AuthorizationCode_userId_idx" ON "AuthorizationCode"("userId");
CREATE TABLE "new_DeviceAuthorization" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "deviceCodeHash" TEXT NOT NULL,
    "userCode" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "userId" TEXT,
    "intervalSeconds" INTEGER NOT NULL,
    "lastPolledAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "DeviceAuthorization_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_DeviceAuthorization" ("clientId", "createdAt", "deviceCodeHash", "expiresAt", "id", "intervalSeconds", "lastPolledAt", "scope", "status", "userCode", "userId") SELECT "clientId", "createdAt", "deviceCodeHash", "expiresAt", "id", "intervalSeconds", "lastPolledAt", "scope", "status", "userCode", "userId" FROM "DeviceAuthorization";
DROP TABLE "DeviceAuthorization";
ALTER TABLE "new_DeviceAuthorization" RENAME TO "DeviceAuthorization";
CREATE UNIQUE INDEX "DeviceAuthorization_deviceCodeHash_key" ON "DeviceAuthorization"("deviceCodeHash");
CREATE UNIQUE INDEX "DeviceAuthorization_userCode_key" ON "DeviceAuthorization"("userCode");
CREATE INDEX "DeviceAuthorization_userId_idx" ON "DeviceAuthorization"("userId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
