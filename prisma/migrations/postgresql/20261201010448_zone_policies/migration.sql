-- CreateTable
CREATE TABLE "Policy" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "ownerType" TEXT NOT NULL DEFAULT 'CUSTOMER',
    "latestVersion" INTEGER,
    "latestVersionId" TEXT,
    "createdById" TEXT,
    "updatedById" TEXT,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicyVersion" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "schemaVersion" TEXT NOT NULL,
    "cedarJson" JSONB NOT NULL,
    "cedarRaw" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "createdById" TEXT,
    "archivedAt" TIMESTAMP(3),
    "archivedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PolicyVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Policy_zoneId_id_idx" ON "Policy"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Policy_zoneId_name_key" ON "Policy"("zoneId", "name");

-- CreateIndex
CREATE INDEX "PolicyVersion_policyId_id_idx" ON "PolicyVersion"("policyId", "id");

-- CreateIndex
CREATE INDEX "PolicyVersion_zoneId_id_idx" ON "PolicyVersion"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PolicyVersion_policyId_version_key" ON "PolicyVersion"("policyId", "version");
