-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "channel" TEXT NOT NULL DEFAULT 'browser';

-- Sessions of OAuth clients got their tokens from the token endpoint. (Sessions of the
-- legacy password grant cannot be told from browser sign-ins: they sign in again.)
UPDATE "Session" SET "channel" = 'token_api' WHERE "clientId" IS NOT NULL;
