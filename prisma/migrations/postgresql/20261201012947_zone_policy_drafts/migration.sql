-- CreateTable
CREATE TABLE "PolicyDraft" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "schemaVersion" TEXT NOT NULL,
    "cedarJson" JSONB NOT NULL,
    "cedarRaw" TEXT NOT NULL,
    "updatedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PolicyDraft_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicySetDraft" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "policySetId" TEXT NOT NULL,
    "schemaVersion" TEXT NOT NULL,
    "entries" JSONB NOT NULL,
    "updatedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PolicySetDraft_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PolicyDraft_policyId_key" ON "PolicyDraft"("policyId");

-- CreateIndex
CREATE INDEX "PolicyDraft_zoneId_id_idx" ON "PolicyDraft"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PolicySetDraft_policySetId_key" ON "PolicySetDraft"("policySetId");

-- CreateIndex
CREATE INDEX "PolicySetDraft_zoneId_id_idx" ON "PolicySetDraft"("zoneId", "id");
