-- AlterTable
ALTER TABLE "RefreshToken" ADD COLUMN "graceHandedOutAt" DATETIME;
ALTER TABLE "RefreshToken" ADD COLUMN "usedVia" TEXT;
