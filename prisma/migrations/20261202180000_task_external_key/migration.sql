-- AlterTable
ALTER TABLE "Task" ADD COLUMN     "externalKey" TEXT;

-- Tasks PUT over CalDAV before this: the UID of their kept text (folded lines joined first).
UPDATE "Task" SET "externalKey" = substring(E'\n' || regexp_replace("icalText", E'\r?\n[ \t]', '', 'g') from E'\nUID:([^\r\n]*)')
WHERE "icalText" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Task_userId_externalKey_idx" ON "Task"("userId", "externalKey");
