-- AlterTable
ALTER TABLE "Appointment" ADD COLUMN     "icalText" TEXT,
ADD COLUMN     "icalTextAt" TIMESTAMPTZ(3);
