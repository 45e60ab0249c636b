-- AlterTable
ALTER TABLE "Synchronization" ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "lastErrorAt" TIMESTAMPTZ(3),
ADD COLUMN     "lastSuccessAt" TIMESTAMPTZ(3),
ADD COLUMN     "secrets" TEXT,
ADD COLUMN     "settings" JSONB;
