-- CreateTable
CREATE TABLE "DavProperty" (
    "userId" UUID NOT NULL,
    "collection" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "xml" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DavProperty_pkey" PRIMARY KEY ("userId","collection","namespace","name")
);

-- AddForeignKey
ALTER TABLE "DavProperty" ADD CONSTRAINT "DavProperty_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
