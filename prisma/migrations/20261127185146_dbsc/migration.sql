-- AlterTable
ALTER TABLE "Session" ADD COLUMN "dbscAlgorithm" TEXT;
ALTER TABLE "Session" ADD COLUMN "dbscBoundAt" DATETIME;
ALTER TABLE "Session" ADD COLUMN "dbscPublicKey" TEXT;
ALTER TABLE "Session" ADD COLUMN "dbscThumbprint" TEXT;

-- CreateTable
CREATE TABLE "DbscChallenge" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    CONSTRAINT "DbscChallenge_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "DbscChallenge_sessionId_idx" ON "DbscChallenge"("sessionId");

-- CreateIndex
CREATE INDEX "DbscChallenge_expiresAt_idx" ON "DbscChallenge"("expiresAt");
