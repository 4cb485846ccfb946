-- CreateTable
CREATE TABLE "PolicyDraft" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "schemaVersion" TEXT NOT NULL,
    "cedarJson" JSONB NOT NULL,
    "cedarRaw" TEXT NOT NULL,
    "updatedById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "PolicySetDraft" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "policySetId" TEXT NOT NULL,
    "schemaVersion" TEXT NOT NULL,
    "entries" JSONB NOT NULL,
    "updatedById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "PolicyDraft_policyId_key" ON "PolicyDraft"("policyId");

-- CreateIndex
CREATE INDEX "PolicyDraft_zoneId_id_idx" ON "PolicyDraft"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PolicySetDraft_policySetId_key" ON "PolicySetDraft"("policySetId");

-- CreateIndex
CREATE INDEX "PolicySetDraft_zoneId_id_idx" ON "PolicySetDraft"("zoneId", "id");
