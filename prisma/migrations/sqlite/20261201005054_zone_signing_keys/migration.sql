-- CreateTable
CREATE TABLE "ZoneSigningKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "kid" TEXT NOT NULL,
    "alg" TEXT NOT NULL,
    "publicJwk" JSONB NOT NULL,
    "privateKeyCipher" TEXT NOT NULL,
    "current" BOOLEAN NOT NULL DEFAULT false,
    "retiredAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "ZoneSigningKey_zoneId_id_idx" ON "ZoneSigningKey"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ZoneSigningKey_zoneId_kid_key" ON "ZoneSigningKey"("zoneId", "kid");
