-- DropIndex
DROP INDEX "AuthorizationGrant_subjectType_subjectId_idx";

-- DropIndex
DROP INDEX "RoleAssignment_subjectType_subjectId_idx";

-- CreateIndex
CREATE INDEX "AuthorizationGrant_subjectId_idx" ON "AuthorizationGrant"("subjectId");

-- CreateIndex
CREATE INDEX "RoleAssignment_subjectId_idx" ON "RoleAssignment"("subjectId");
