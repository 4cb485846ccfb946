-- CreateTable
CREATE TABLE "Zone" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "description" TEXT,
    "loginFlow" TEXT,
    "requiresInvitation" BOOLEAN NOT NULL DEFAULT false,
    "encryptionKey" JSONB,
    "defaultResourceId" TEXT,
    "defaultMcpGatewayApplicationId" TEXT,
    "userIdentityProviderId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Zone_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ZoneMember" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ZoneMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Application" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "docsUrl" TEXT,
    "redirectUris" JSONB NOT NULL,
    "postLogoutRedirectUris" JSONB NOT NULL,
    "traits" JSONB NOT NULL,
    "ownerType" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Application_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApplicationDependency" (
    "id" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "applicationId" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "whenAccessing" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApplicationDependency_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApplicationCredential" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "applicationId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "providerId" TEXT,
    "subject" TEXT,
    "jwksUri" TEXT,
    "secretHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ApplicationCredential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Provider" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "type" TEXT,
    "ownerType" TEXT NOT NULL,
    "clientId" TEXT,
    "clientSecretCipher" TEXT,
    "metadata" JSONB,
    "protocols" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Provider_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Resource" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "docsUrl" TEXT,
    "applicationType" TEXT NOT NULL,
    "ownerType" TEXT NOT NULL,
    "scopes" JSONB NOT NULL,
    "credentialProviderId" TEXT,
    "applicationId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Resource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ZoneUser" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "emailVerified" BOOLEAN NOT NULL DEFAULT false,
    "issuer" TEXT,
    "subject" TEXT,
    "providerId" TEXT,
    "authenticatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ZoneUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UserAgent" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UserAgent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DelegatedGrant" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "zoneUserId" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "providerId" TEXT NOT NULL,
    "scopes" JSONB NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "refreshTokenSet" BOOLEAN NOT NULL DEFAULT false,
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DelegatedGrant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ZoneSession" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "sessionType" TEXT NOT NULL,
    "zoneUserId" TEXT,
    "applicationId" TEXT,
    "userAgentId" TEXT,
    "parentId" TEXT,
    "providerId" TEXT,
    "issuer" TEXT,
    "subject" TEXT,
    "name" TEXT NOT NULL,
    "sessionData" JSONB NOT NULL,
    "metadata" JSONB,
    "authenticatedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ZoneSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Secret" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "zoneId" TEXT NOT NULL,
    "entityId" TEXT,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "description" TEXT,
    "metadata" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,
    "valueCipher" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Secret_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Zone_accountId_id_idx" ON "Zone"("accountId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Zone_accountId_slug_key" ON "Zone"("accountId", "slug");

-- CreateIndex
CREATE INDEX "ZoneMember_userId_idx" ON "ZoneMember"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ZoneMember_zoneId_userId_key" ON "ZoneMember"("zoneId", "userId");

-- CreateIndex
CREATE INDEX "Application_zoneId_id_idx" ON "Application"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Application_zoneId_identifier_key" ON "Application"("zoneId", "identifier");

-- CreateIndex
CREATE UNIQUE INDEX "Application_zoneId_slug_key" ON "Application"("zoneId", "slug");

-- CreateIndex
CREATE INDEX "ApplicationDependency_resourceId_idx" ON "ApplicationDependency"("resourceId");

-- CreateIndex
CREATE UNIQUE INDEX "ApplicationDependency_applicationId_resourceId_key" ON "ApplicationDependency"("applicationId", "resourceId");

-- CreateIndex
CREATE INDEX "ApplicationCredential_zoneId_id_idx" ON "ApplicationCredential"("zoneId", "id");

-- CreateIndex
CREATE INDEX "ApplicationCredential_applicationId_id_idx" ON "ApplicationCredential"("applicationId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ApplicationCredential_zoneId_slug_key" ON "ApplicationCredential"("zoneId", "slug");

-- CreateIndex
CREATE INDEX "Provider_zoneId_id_idx" ON "Provider"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Provider_zoneId_identifier_key" ON "Provider"("zoneId", "identifier");

-- CreateIndex
CREATE UNIQUE INDEX "Provider_zoneId_slug_key" ON "Provider"("zoneId", "slug");

-- CreateIndex
CREATE INDEX "Resource_zoneId_id_idx" ON "Resource"("zoneId", "id");

-- CreateIndex
CREATE INDEX "Resource_applicationId_id_idx" ON "Resource"("applicationId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Resource_zoneId_identifier_key" ON "Resource"("zoneId", "identifier");

-- CreateIndex
CREATE UNIQUE INDEX "Resource_zoneId_slug_key" ON "Resource"("zoneId", "slug");

-- CreateIndex
CREATE INDEX "ZoneUser_zoneId_id_idx" ON "ZoneUser"("zoneId", "id");

-- CreateIndex
CREATE INDEX "UserAgent_zoneId_id_idx" ON "UserAgent"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "UserAgent_zoneId_slug_key" ON "UserAgent"("zoneId", "slug");

-- CreateIndex
CREATE INDEX "DelegatedGrant_zoneId_id_idx" ON "DelegatedGrant"("zoneId", "id");

-- CreateIndex
CREATE INDEX "ZoneSession_zoneId_id_idx" ON "ZoneSession"("zoneId", "id");

-- CreateIndex
CREATE INDEX "ZoneSession_parentId_id_idx" ON "ZoneSession"("parentId", "id");

-- CreateIndex
CREATE INDEX "Secret_zoneId_id_idx" ON "Secret"("zoneId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Secret_zoneId_name_key" ON "Secret"("zoneId", "name");
