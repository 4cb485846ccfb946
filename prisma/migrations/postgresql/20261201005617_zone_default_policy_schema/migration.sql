-- AlterTable
ALTER TABLE "Zone" ADD COLUMN     "defaultPolicySchemaVersion" TEXT;
