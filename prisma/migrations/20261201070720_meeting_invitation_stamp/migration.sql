-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN     "invitationStamp" TIMESTAMPTZ(3);
