-- CreateTable
CREATE TABLE "ZoneSigningKey" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "kid" TEXT NOT NULL,
    "alg" TEXT NOT NULL,
    "publicJwk" JSONB NOT NULL,
    "privateKeyCipher" TEXT NOT NULL,
    "current" BOOLEAN NOT NULL DEFAULT false,
    "retiredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ZoneSigningKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ZoneSigningKey_zoneId_id_idx" ON "ZoneSigningKey"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ZoneSigningKey_zoneId_kid_key" ON "ZoneSigningKey"("zoneId", "kid");
