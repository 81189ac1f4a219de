-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "dbscAlgorithm" TEXT,
ADD COLUMN     "dbscBoundAt" TIMESTAMP(3),
ADD COLUMN     "dbscPublicKey" TEXT,
ADD COLUMN     "dbscThumbprint" TEXT;

-- CreateTable
CREATE TABLE "DbscChallenge" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "DbscChallenge_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DbscChallenge_sessionId_idx" ON "DbscChallenge"("sessionId");

-- CreateIndex
CREATE INDEX "DbscChallenge_expiresAt_idx" ON "DbscChallenge"("expiresAt");

-- AddForeignKey
ALTER TABLE "DbscChallenge" ADD CONSTRAINT "DbscChallenge_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
