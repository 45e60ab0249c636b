-- CreateEnum
CREATE TYPE "ShownAs" AS ENUM ('RESERVED', 'TEMPORARY', 'ABSENT', 'FREE');

-- CreateEnum
CREATE TYPE "RecurrenceType" AS ENUM ('NONE', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY');

-- CreateEnum
CREATE TYPE "Weekday" AS ENUM ('SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY');

-- AlterEnum
ALTER TYPE "SyncKind" ADD VALUE 'APPOINTMENT';

-- CreateTable
CREATE TABLE "Appointment" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "location" TEXT,
    "notes" TEXT,
    "start" TIMESTAMPTZ(3) NOT NULL,
    "end" TIMESTAMPTZ(3) NOT NULL,
    "timezone" TEXT NOT NULL,
    "fullTime" BOOLEAN NOT NULL DEFAULT false,
    "shownAs" "ShownAs" NOT NULL DEFAULT 'RESERVED',
    "recurrenceType" "RecurrenceType" NOT NULL DEFAULT 'NONE',
    "interval" INTEGER,
    "days" "Weekday"[],
    "dayInMonth" INTEGER,
    "month" INTEGER,
    "until" TEXT,
    "occurrences" INTEGER,
    "seriesEnd" TIMESTAMPTZ(3),
    "deleteExceptions" TEXT[],
    "seriesId" UUID,
    "recurrencePosition" INTEGER,
    "recurrenceDatePosition" TEXT,
    "clientSyncId" TEXT,
    "synchronizationId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Appointment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Appointment_accountId_start_idx" ON "Appointment"("accountId", "start");

-- CreateIndex
CREATE INDEX "Appointment_userId_start_idx" ON "Appointment"("userId", "start");

-- CreateIndex
CREATE UNIQUE INDEX "Appointment_userId_clientSyncId_key" ON "Appointment"("userId", "clientSyncId");

-- CreateIndex
CREATE UNIQUE INDEX "Appointment_seriesId_recurrenceDatePosition_key" ON "Appointment"("seriesId", "recurrenceDatePosition");

-- AddForeignKey
ALTER TABLE "Appointment" ADD CONSTRAINT "Appointment_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Appointment" ADD CONSTRAINT "Appointment_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Appointment" ADD CONSTRAINT "Appointment_seriesId_fkey" FOREIGN KEY ("seriesId") REFERENCES "Appointment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Appointment" ADD CONSTRAINT "Appointment_synchronizationId_fkey" FOREIGN KEY ("synchronizationId") REFERENCES "Synchronization"("id") ON DELETE SET NULL ON UPDATE CASCADE;
