-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN     "nextAttemptAt" TIMESTAMP(3);
