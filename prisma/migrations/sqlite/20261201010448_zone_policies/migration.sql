-- CreateTable
CREATE TABLE "Policy" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "ownerType" TEXT NOT NULL DEFAULT 'CUSTOMER',
    "latestVersion" INTEGER,
    "latestVersionId" TEXT,
    "createdById" TEXT,
    "updatedById" TEXT,
    "archivedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "PolicyVersion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "schemaVersion" TEXT NOT NULL,
    "cedarJson" JSONB NOT NULL,
    "cedarRaw" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "createdById" TEXT,
    "archivedAt" DATETIME,
    "archivedById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
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
