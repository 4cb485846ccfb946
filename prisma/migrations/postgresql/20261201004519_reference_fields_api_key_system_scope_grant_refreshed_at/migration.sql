-- AlterTable
ALTER TABLE "DelegatedGrant" ADD COLUMN     "refreshedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "scope" TEXT,
ADD COLUMN     "system" BOOLEAN NOT NULL DEFAULT false;
