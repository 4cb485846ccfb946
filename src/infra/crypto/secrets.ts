// Generated credentials of the zones graph. Encryption at rest of zone secrets and provider client
// secrets uses the sealer of src/infra/crypto/envelope.ts for the purpose "zone-secrets" (its own
// HKDF-derived key), wired in src/server/app.ts.
import { randomBytes } from 'node:crypto';
import type { SecretGenerator } from '../../domain/zone/crypto.js';

export const randomSecrets: SecretGenerator = {
  password: (bytes = 32) => randomBytes(bytes).toString('base64url'),
};
