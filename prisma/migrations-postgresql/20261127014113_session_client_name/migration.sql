-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "clientName" TEXT;
