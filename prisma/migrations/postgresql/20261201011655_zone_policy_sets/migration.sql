-- CreateTable
CREATE TABLE "PolicySet" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL DEFAULT 'CUSTOMER',
    "scopeType" TEXT NOT NULL,
    "scopeTargetId" TEXT,
    "latestVersion" INTEGER,
    "latestVersionId" TEXT,
    "activeVersionId" TEXT,
    "mode" TEXT,
    "createdById" TEXT,
    "updatedById" TEXT,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PolicySet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicySetVersion" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "policySetId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "schemaVersion" TEXT NOT NULL,
    "entries" JSONB NOT NULL,
    "manifestSha" TEXT NOT NULL,
    "attestation" JSONB NOT NULL,
    "createdById" TEXT,
    "archivedAt" TIMESTAMP(3),
    "archivedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PolicySetVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PolicySet_zoneId_id_idx" ON "PolicySet"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PolicySet_zoneId_name_key" ON "PolicySet"("zoneId", "name");

-- CreateIndex
CREATE INDEX "PolicySetVersion_policySetId_id_idx" ON "PolicySetVersion"("policySetId", "id");

-- CreateIndex
CREATE INDEX "PolicySetVersion_zoneId_id_idx" ON "PolicySetVersion"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PolicySetVersion_policySetId_version_key" ON "PolicySetVersion"("policySetId", "version");
