-- AlterTable
ALTER TABLE "Appointment" ADD COLUMN     "davName" TEXT;

-- AlterTable
ALTER TABLE "Change" ADD COLUMN     "davName" TEXT;

-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "davName" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Appointment_userId_accountId_davName_key" ON "Appointment"("userId", "accountId", "davName");

-- CreateIndex
CREATE UNIQUE INDEX "Task_userId_davName_key" ON "Task"("userId", "davName");
