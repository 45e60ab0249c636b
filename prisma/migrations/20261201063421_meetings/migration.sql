-- CreateEnum
CREATE TYPE "MeetingStatus" AS ENUM ('DRAFT', 'POLLING', 'SCHEDULED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "MeetingRepeat" AS ENUM ('NONE', 'DAILY', 'WEEKLY', 'BIWEEKLY', 'MONTHLY', 'YEARLY');

-- CreateEnum
CREATE TYPE "ReminderMethod" AS ENUM ('POPUP', 'EMAIL');

-- AlterEnum
ALTER TYPE "SyncKind" ADD VALUE 'MEETING';

-- CreateTable
CREATE TABLE "Meeting" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "calendarId" TEXT,
    "name" TEXT NOT NULL,
    "duration" INTEGER NOT NULL,
    "status" "MeetingStatus" NOT NULL,
    "start" TIMESTAMPTZ(3),
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "locationDescription" TEXT,
    "locationAddress" TEXT,
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "notes" TEXT,
    "timeSlotsDescription" TEXT,
    "reminderMinutesBefore" INTEGER,
    "reminderMethod" "ReminderMethod" NOT NULL DEFAULT 'POPUP',
    "repeat" "MeetingRepeat" NOT NULL DEFAULT 'NONE',
    "sequence" INTEGER NOT NULL DEFAULT 0,
    "icalUid" TEXT NOT NULL,
    "clientSyncId" TEXT,
    "synchronizationId" UUID,
    "cancelledAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Meeting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MeetingOption" (
    "id" UUID NOT NULL,
    "meetingId" UUID NOT NULL,
    "start" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MeetingOption_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MeetingInvitee" (
    "id" UUID NOT NULL,
    "meetingId" UUID NOT NULL,
    "email" TEXT,
    "accountId" UUID,
    "userId" UUID,
    "position" INTEGER NOT NULL,
    "voteTokenHash" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MeetingInvitee_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Meeting_icalUid_key" ON "Meeting"("icalUid");

-- CreateIndex
CREATE INDEX "Meeting_userId_updatedAt_idx" ON "Meeting"("userId", "updatedAt");

-- CreateIndex
CREATE INDEX "Meeting_accountId_status_idx" ON "Meeting"("accountId", "status");

-- CreateIndex
CREATE INDEX "Meeting_status_cancelledAt_idx" ON "Meeting"("status", "cancelledAt");

-- CreateIndex
CREATE UNIQUE INDEX "Meeting_userId_clientSyncId_key" ON "Meeting"("userId", "clientSyncId");

-- CreateIndex
CREATE UNIQUE INDEX "MeetingOption_meetingId_start_key" ON "MeetingOption"("meetingId", "start");

-- CreateIndex
CREATE UNIQUE INDEX "MeetingInvitee_voteTokenHash_key" ON "MeetingInvitee"("voteTokenHash");

-- CreateIndex
CREATE INDEX "MeetingInvitee_userId_idx" ON "MeetingInvitee"("userId");

-- CreateIndex
CREATE INDEX "MeetingInvitee_accountId_idx" ON "MeetingInvitee"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "MeetingInvitee_meetingId_email_key" ON "MeetingInvitee"("meetingId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "MeetingInvitee_meetingId_accountId_key" ON "MeetingInvitee"("meetingId", "accountId");

-- AddForeignKey
ALTER TABLE "Meeting" ADD CONSTRAINT "Meeting_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Meeting" ADD CONSTRAINT "Meeting_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Meeting" ADD CONSTRAINT "Meeting_synchronizationId_fkey" FOREIGN KEY ("synchronizationId") REFERENCES "Synchronization"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MeetingOption" ADD CONSTRAINT "MeetingOption_meetingId_fkey" FOREIGN KEY ("meetingId") REFERENCES "Meeting"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MeetingInvitee" ADD CONSTRAINT "MeetingInvitee_meetingId_fkey" FOREIGN KEY ("meetingId") REFERENCES "Meeting"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MeetingInvitee" ADD CONSTRAINT "MeetingInvitee_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MeetingInvitee" ADD CONSTRAINT "MeetingInvitee_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
