-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN "nextAttemptAt" DATETIME;
