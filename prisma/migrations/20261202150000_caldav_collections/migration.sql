-- AlterTable
ALTER TABLE "UserAccount" ADD COLUMN     "davName" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "UserAccount_userId_davName_key" ON "UserAccount"("userId", "davName");
