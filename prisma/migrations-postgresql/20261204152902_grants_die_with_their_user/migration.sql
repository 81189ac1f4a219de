-- Grants die with their user (issue 22, finding 4). Codes and device grants of users
-- deleted before this migration point nowhere: they are removed first, or the foreign
-- keys below could not be added.
DELETE FROM "AuthorizationCode" WHERE "userId" NOT IN (SELECT "id" FROM "User");
DELETE FROM "DeviceAuthorization" WHERE "userId" IS NOT NULL AND "userId" NOT IN (SELECT "id" FROM "User");

-- Loopback redirect URIs match on the port only (RFC 8252 §7.3, finding 5): the seeded
-- demo-cli client, registered without URIs, gets the ones it documents.
UPDATE "OAuthClient" SET "redirectUris" = 'http://127.0.0.1/callback' || chr(10) || 'http://[::1]/callback'
WHERE "id" = 'demo-cli' AND "redirectUris" = '';

-- CreateIndex
CREATE INDEX "AuthorizationCode_userId_idx" ON "AuthorizationCode"("userId");

-- CreateIndex
CREATE INDEX "DeviceAuthorization_userId_idx" ON "DeviceAuthorization"("userId");

-- AddForeignKey
ALTER TABLE "AuthorizationCode" ADD CONSTRAINT "AuthorizationCode_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceAuthorization" ADD CONSTRAINT "DeviceAuthorization_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
