-- CreateEnum
CREATE TYPE "SyncKind" AS ENUM ('TASK');

-- CreateEnum
CREATE TYPE "SynchronizationType" AS ENUM ('DEVICE', 'EWS', 'O365', 'GOOGLE_CALENDAR', 'CALDAV', 'ICS');

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'WAITING', 'DEFERRED');

-- CreateEnum
CREATE TYPE "TaskPriority" AS ENUM ('LOW', 'NORMAL', 'HIGH');

-- CreateTable
CREATE TABLE "SyncCounter" (
    "userId" UUID NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "floor" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SyncCounter_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "Change" (
    "userId" UUID NOT NULL,
    "kind" "SyncKind" NOT NULL,
    "objectId" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "clientSyncId" TEXT,
    "originSyncId" UUID,
    "changedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Change_pkey" PRIMARY KEY ("userId","kind","objectId")
);

-- CreateTable
CREATE TABLE "Synchronization" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "type" "SynchronizationType" NOT NULL,
    "name" TEXT,
    "deviceUuid" TEXT,
    "createdRevision" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSyncAt" TIMESTAMPTZ(3),

    CONSTRAINT "Synchronization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncPending" (
    "synchronizationId" UUID NOT NULL,
    "kind" "SyncKind" NOT NULL,
    "objectId" UUID NOT NULL,

    CONSTRAINT "SyncPending_pkey" PRIMARY KEY ("synchronizationId","kind","objectId")
);

-- CreateTable
CREATE TABLE "SyncCommit" (
    "userId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "synchronizationId" UUID NOT NULL,
    "result" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncCommit_pkey" PRIMARY KEY ("userId","tokenHash")
);

-- CreateTable
CREATE TABLE "SyncAck" (
    "synchronizationId" UUID NOT NULL,
    "kind" "SyncKind" NOT NULL,
    "objectId" UUID NOT NULL,
    "revision" INTEGER NOT NULL,

    CONSTRAINT "SyncAck_pkey" PRIMARY KEY ("synchronizationId","kind","objectId")
);

-- CreateTable
CREATE TABLE "SyncSession" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "synchronizationId" UUID NOT NULL,
    "totalCount" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SyncSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncSessionItem" (
    "sessionId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" "SyncKind" NOT NULL,
    "objectId" UUID NOT NULL,

    CONSTRAINT "SyncSessionItem_pkey" PRIMARY KEY ("sessionId","position")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "notes" TEXT,
    "start" TIMESTAMPTZ(3),
    "due" TIMESTAMPTZ(3),
    "status" "TaskStatus" NOT NULL DEFAULT 'NOT_STARTED',
    "priority" "TaskPriority" NOT NULL DEFAULT 'NORMAL',
    "percentComplete" INTEGER NOT NULL DEFAULT 0,
    "clientSyncId" TEXT,
    "synchronizationId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CalendarEntry" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "title" TEXT,
    "start" TIMESTAMPTZ(3) NOT NULL,
    "end" TIMESTAMPTZ(3) NOT NULL,
    "clientSyncId" TEXT,
    "synchronizationId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CalendarEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Change_userId_clientSyncId_idx" ON "Change"("userId", "clientSyncId");

-- CreateIndex
CREATE INDEX "Change_deleted_changedAt_idx" ON "Change"("deleted", "changedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Change_userId_revision_key" ON "Change"("userId", "revision");

-- CreateIndex
CREATE UNIQUE INDEX "Synchronization_userId_deviceUuid_key" ON "Synchronization"("userId", "deviceUuid");

-- CreateIndex
CREATE INDEX "SyncCommit_createdAt_idx" ON "SyncCommit"("createdAt");

-- CreateIndex
CREATE INDEX "SyncSession_userId_expiresAt_idx" ON "SyncSession"("userId", "expiresAt");

-- CreateIndex
CREATE INDEX "Task_userId_createdAt_idx" ON "Task"("userId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Task_userId_clientSyncId_key" ON "Task"("userId", "clientSyncId");

-- CreateIndex
CREATE INDEX "CalendarEntry_userId_start_idx" ON "CalendarEntry"("userId", "start");

-- CreateIndex
CREATE UNIQUE INDEX "CalendarEntry_userId_clientSyncId_key" ON "CalendarEntry"("userId", "clientSyncId");

-- AddForeignKey
ALTER TABLE "SyncCounter" ADD CONSTRAINT "SyncCounter_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Synchronization" ADD CONSTRAINT "Synchronization_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncPending" ADD CONSTRAINT "SyncPending_synchronizationId_fkey" FOREIGN KEY ("synchronizationId") REFERENCES "Synchronization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncCommit" ADD CONSTRAINT "SyncCommit_synchronizationId_fkey" FOREIGN KEY ("synchronizationId") REFERENCES "Synchronization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncAck" ADD CONSTRAINT "SyncAck_synchronizationId_fkey" FOREIGN KEY ("synchronizationId") REFERENCES "Synchronization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncSession" ADD CONSTRAINT "SyncSession_synchronizationId_fkey" FOREIGN KEY ("synchronizationId") REFERENCES "Synchronization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncSessionItem" ADD CONSTRAINT "SyncSessionItem_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "SyncSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_synchronizationId_fkey" FOREIGN KEY ("synchronizationId") REFERENCES "Synchronization"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CalendarEntry" ADD CONSTRAINT "CalendarEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CalendarEntry" ADD CONSTRAINT "CalendarEntry_synchronizationId_fkey" FOREIGN KEY ("synchronizationId") REFERENCES "Synchronization"("id") ON DELETE SET NULL ON UPDATE CASCADE;
