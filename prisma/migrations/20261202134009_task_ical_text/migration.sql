-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "icalText" TEXT,
ADD COLUMN     "icalTextAt" TIMESTAMPTZ(3);
