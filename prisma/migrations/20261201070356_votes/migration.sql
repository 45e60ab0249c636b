-- CreateEnum
CREATE TYPE "VoteResponse" AS ENUM ('NOT_YET', 'CUSTOM', 'ALWAYS', 'WHEN_AVAILABLE', 'NO', 'MAYBE');

-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN     "pollDeadline" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "MeetingInvitee" ADD COLUMN     "response" "VoteResponse" NOT NULL DEFAULT 'NOT_YET',
ADD COLUMN     "votedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "MeetingPreference" (
    "inviteeId" UUID NOT NULL,
    "optionId" UUID NOT NULL,

    CONSTRAINT "MeetingPreference_pkey" PRIMARY KEY ("inviteeId","optionId")
);

-- CreateIndex
CREATE INDEX "MeetingPreference_optionId_idx" ON "MeetingPreference"("optionId");

-- AddForeignKey
ALTER TABLE "MeetingPreference" ADD CONSTRAINT "MeetingPreference_inviteeId_fkey" FOREIGN KEY ("inviteeId") REFERENCES "MeetingInvitee"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MeetingPreference" ADD CONSTRAINT "MeetingPreference_optionId_fkey" FOREIGN KEY ("optionId") REFERENCES "MeetingOption"("id") ON DELETE CASCADE ON UPDATE CASCADE;
