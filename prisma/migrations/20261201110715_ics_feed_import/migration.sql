-- AlterTable
ALTER TABLE "Appointment" ADD COLUMN     "externalKey" TEXT;

-- CreateTable
CREATE TABLE "IcsFeedState" (
    "synchronizationId" UUID NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "claimedUntil" TIMESTAMPTZ(3),
    "etag" TEXT,
    "lastModified" TEXT,
    "importHash" TEXT,

    CONSTRAINT "IcsFeedState_pkey" PRIMARY KEY ("synchronizationId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Appointment_synchronizationId_externalKey_key" ON "Appointment"("synchronizationId", "externalKey");

-- AddForeignKey
ALTER TABLE "IcsFeedState" ADD CONSTRAINT "IcsFeedState_synchronizationId_fkey" FOREIGN KEY ("synchronizationId") REFERENCES "Synchronization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
