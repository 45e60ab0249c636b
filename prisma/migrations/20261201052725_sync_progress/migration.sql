-- AlterTable
ALTER TABLE "SyncPending" ADD COLUMN     "deliveries" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "skippedAt" INTEGER;

-- AlterTable
ALTER TABLE "Synchronization" ADD COLUMN     "commitCount" INTEGER NOT NULL DEFAULT 0;
