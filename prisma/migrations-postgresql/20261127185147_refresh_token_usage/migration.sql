-- AlterTable
ALTER TABLE "RefreshToken" ADD COLUMN     "graceHandedOutAt" TIMESTAMP(3),
ADD COLUMN     "usedVia" TEXT;
