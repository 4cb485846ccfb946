// Zone secrets (reference 001: zones.secrets.*): a token or a username and password, sealed with
// AES-256-GCM (associated data: the secret's id). Every change of the value increments `version`.
// Reading the value is its own capability, secret.value.read.
import type { Authorizer } from '../authz/authorizer.js';
import { requiredText, optionalText } from '../validation.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import { scopeOf } from './access.js';
import { ACCESS, holdsIn } from '../authz/access.js';
import { exactlyOne, objectFor, sameZone, zoneFor } from './common.js';
import type { SecretBox } from './crypto.js';
import type { Secret, SecretValue } from './model.js';
import { jsonObject, ZONE_LIMITS } from './validation.js';

/** Reading a secret's value: the capability the access table gives its `value` field. */
const SECRET_VALUE = ACCESS.Secret.fields!.value!;

export interface SecretValueInput {
  token?: { token: string } | null;
  password?: { username: string; password: string } | null;
}

export interface SecretInput {
  name: string;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
  /** An application, resource or provider of the zone the secret belongs to. */
  entityId?: { kind: 'Application' | 'Resource' | 'Provider'; id: string } | null;
  value: SecretValueInput;
}

function valueOf(field: string, input: SecretValueInput): SecretValue {
  const kind = exactlyOne(field, input as Record<string, unknown>, ['token', 'password']);
  const limit = (name: string, v: string, min = 1) => {
    if (v.length < min || v.length > ZONE_LIMITS.secretValue) throw new ValidationError(`${field}.${name} must be ${min}..${ZONE_LIMITS.secretValue} characters`, field);
    return v;
  };
  if (kind === 'token') return { type: 'TOKEN', token: limit('token.token', input.token!.token) };
  return { type: 'PASSWORD', username: limit('password.username', input.password!.username), password: limit('password.password', input.password!.password) };
}

export class SecretService {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {}

  createSecret(actor: Authorizer, zoneId: string, input: SecretInput): Promise<Secret> {
    const name = requiredText('name', input.name, ZONE_LIMITS.name);
    const description = optionalText('description', input.description, ZONE_LIMITS.secretDescription);
    const metadata = jsonObject('metadata', input.metadata);
    const value = valueOf('value', input.value);
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'secret.manage');
      await tx.lockAccount(zone.accountId);
      if (await tx.zones.secrets.findIn(zone.id, 'name', name)) throw new ConflictError('a secret with this name already exists in the zone', 'name');
      const entityId = input.entityId ? await this.entity(actor, tx, zone.id, input.entityId) : null;
      const id = tx.zones.newId();
      return tx.zones.secrets.create({ id, accountId: zone.accountId, zoneId: zone.id, entityId, name, type: value.type, description, metadata, version: 1, valueCipher: this.box.seal(JSON.stringify(value), id) });
    });
  }

  updateSecret(actor: Authorizer, secretId: string, patch: Partial<SecretInput>): Promise<Secret> {
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name, ZONE_LIMITS.name);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, ZONE_LIMITS.secretDescription);
    const metadata = patch.metadata === undefined ? undefined : jsonObject('metadata', patch.metadata);
    const value = patch.value === undefined || patch.value === null ? undefined : valueOf('value', patch.value);
    return this.store.transaction(async (tx) => {
      const secret = await objectFor(actor, tx.zones.secrets, 'Secret', secretId);
      if (name !== undefined && name !== secret.name && (await tx.zones.secrets.findIn(secret.zoneId, 'name', name))) throw new ConflictError('a secret with this name already exists in the zone', 'name');
      const entityId = patch.entityId === undefined ? undefined : patch.entityId === null ? null : await this.entity(actor, tx, secret.zoneId, patch.entityId);
      return tx.zones.secrets.update(secret.id, {
        name,
        description,
        metadata,
        entityId,
        ...(value === undefined ? {} : { type: value.type, version: secret.version + 1, valueCipher: this.box.seal(JSON.stringify(value), secret.id) }),
      });
    });
  }

  deleteSecret(actor: Authorizer, secretId: string): Promise<Secret> {
    return this.store.transaction(async (tx) => {
      const secret = await objectFor(actor, tx.zones.secrets, 'Secret', secretId);
      await tx.zones.secrets.delete(secret.id);
      return secret;
    });
  }

  /** The decrypted value; needs secret.value.read on the secret (its zone or the account). */
  async value(actor: Authorizer, secret: Secret): Promise<SecretValue | null> {
    if (!(await holdsIn(actor, SECRET_VALUE, [scopeOf('Secret', secret)]))) return null;
    const envelope = await this.store.zones.secrets.valueCipher(secret.id);
    return envelope === null ? null : (JSON.parse(this.box.open(envelope, secret.id)) as SecretValue);
  }

  private async entity(actor: Authorizer, tx: Store, zoneId: string, ref: NonNullable<SecretInput['entityId']>): Promise<string> {
    const table = ref.kind === 'Application' ? tx.zones.applications : ref.kind === 'Resource' ? tx.zones.resources : tx.zones.providers;
    return (await sameZone(actor, table as never, ref.kind, ref.id, zoneId, 'entityId')).id;
  }
}
