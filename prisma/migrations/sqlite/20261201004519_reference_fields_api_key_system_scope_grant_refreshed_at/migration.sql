-- AlterTable
ALTER TABLE "DelegatedGrant" ADD COLUMN "refreshedAt" DATETIME;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ApiKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "searchText" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "keyPrefix" TEXT NOT NULL,
    "keyLast4" TEXT NOT NULL,
    "keyPublicId" TEXT NOT NULL,
    "permissions" JSONB NOT NULL,
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "expiresAt" DATETIME,
    "lastUsedAt" DATETIME,
    "revokedAt" DATETIME,
    "revokedById" TEXT,
    "mcpActive" BOOLEAN NOT NULL DEFAULT false,
    "mcpAllowlistMode" TEXT,
    "mcpToolAllowlist" JSONB NOT NULL,
    "mcpReadOnly" BOOLEAN NOT NULL DEFAULT false,
    "mcpProjectIds" JSONB NOT NULL,
    "mcpInstanceIds" JSONB NOT NULL,
    "mcpPreset" TEXT,
    "mcpPermissions" JSONB NOT NULL,
    "system" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ApiKey_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ApiKey" ("accountId", "active", "createdAt", "createdById", "createdByType", "description", "expiresAt", "id", "keyHash", "keyLast4", "keyPrefix", "keyPublicId", "lastUsedAt", "mcpActive", "mcpAllowlistMode", "mcpInstanceIds", "mcpPermissions", "mcpPreset", "mcpProjectIds", "mcpReadOnly", "mcpToolAllowlist", "name", "permissions", "revokedAt", "revokedById", "searchText", "updatedAt") SELECT "accountId", "active", "createdAt", "createdById", "createdByType", "description", "expiresAt", "id", "keyHash", "keyLast4", "keyPrefix", "keyPublicId", "lastUsedAt", "mcpActive", "mcpAllowlistMode", "mcpInstanceIds", "mcpPermissions", "mcpPreset", "mcpProjectIds", "mcpReadOnly", "mcpToolAllowlist", "name", "permissions", "revokedAt", "revokedById", "searchText", "updatedAt" FROM "ApiKey";
DROP TABLE "ApiKey";
ALTER TABLE "new_ApiKey" RENAME TO "ApiKey";
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");
CREATE UNIQUE INDEX "ApiKey_keyPublicId_key" ON "ApiKey"("keyPublicId");
CREATE INDEX "ApiKey_accountId_id_idx" ON "ApiKey"("accountId", "id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
