-- CreateTable
CREATE TABLE "PolicyShadowDiff" (
    "policySetVersionId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "policySetId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "since" TIMESTAMP(3) NOT NULL,
    "evaluated" BIGINT NOT NULL DEFAULT 0,
    "differing" BIGINT NOT NULL DEFAULT 0,
    "allowToDeny" BIGINT NOT NULL DEFAULT 0,
    "denyToAllow" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PolicyShadowDiff_pkey" PRIMARY KEY ("policySetVersionId")
);

-- CreateTable
CREATE TABLE "PolicyShadowSample" (
    "id" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "policySetId" TEXT NOT NULL,
    "policySetVersionId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "principalType" TEXT NOT NULL,
    "principalId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "shadowDecision" TEXT NOT NULL,

    CONSTRAINT "PolicyShadowSample_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PolicyShadowDiff_policySetId_idx" ON "PolicyShadowDiff"("policySetId");

-- CreateIndex
CREATE INDEX "PolicyShadowDiff_zoneId_idx" ON "PolicyShadowDiff"("zoneId");

-- CreateIndex
CREATE INDEX "PolicyShadowSample_policySetVersionId_at_idx" ON "PolicyShadowSample"("policySetVersionId", "at");

-- CreateIndex
CREATE INDEX "PolicyShadowSample_policySetId_idx" ON "PolicyShadowSample"("policySetId");

-- CreateIndex
CREATE INDEX "PolicyShadowSample_zoneId_idx" ON "PolicyShadowSample"("zoneId");
