-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN     "everyoneAnsweredAt" TIMESTAMPTZ(3),
ADD COLUMN     "pollClosedNoticeAt" TIMESTAMPTZ(3),
ADD COLUMN     "pollReminderMinutesBefore" INTEGER,
ADD COLUMN     "pollReminderSentAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "MeetingInvitee" ADD COLUMN     "timezone" TEXT;

-- CreateIndex
CREATE INDEX "Meeting_status_pollDeadline_idx" ON "Meeting"("status", "pollDeadline");
