// Zone signing keys (issue 14): every zone signs its policy-set attestations with its own RS256 key.
// The private JWK is sealed at rest (purpose "zone-keys", associated data: the key's id) and opened
// only here, to sign. A zone gets its first key lazily, on first need (its JWKS, a signature, a
// rotation). Rotation makes a new current key; older keys stay published in the zone's JWKS, so that
// what they signed still verifies, until they are retired.
import type { Authorizer } from '../authz/authorizer.js';
import type { Sealer } from '../crypto.js';
import { ConflictError } from '../errors.js';
import type { Store } from '../store.js';
import { mustLoad, objectFor, zoneFor } from './common.js';
import type { FlattenedJws, ZoneKeyCrypto, ZoneKeyPair } from './crypto.js';
import type { Zone, ZoneSigningKey } from './model.js';

/** A public JWK as a zone's JWKS publishes it. */
export type PublicJwk = Record<string, unknown> & { kid: string; alg: string; use: 'sig' };

/** What else happens inside a rotation's transaction (re-signing attestations); returns how many were re-signed. */
export type AfterRotation = (tx: Store, zone: Zone, actorId: string | null) => Promise<number>;

export class ZoneKeyService {
  /** Set by the zone services: re-attests the zone's policy-set versions with the new key. */
  afterRotation: AfterRotation = async () => 0;
  /** Set by the zone services: told when a zone's published keys changed (after the change committed). */
  keysChanged: (zoneId: string) => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly box: Sealer,
    private readonly crypto: ZoneKeyCrypto,
  ) {}

  /**
   * The zone's JWKS (every key not retired), empty before its first key; null when the zone does not
   * exist. Reading it never creates a key (anyone may fetch it).
   */
  async jwks(zoneId: string): Promise<{ keys: PublicJwk[] } | null> {
    const [zone] = await this.store.zones.zones.byIds([zoneId]);
    if (!zone) return null;
    const keys = await this.store.zones.signingKeys.published(zone.id);
    return { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' as const })) };
  }

  /** Signs `payload` with the zone's current key (created on first need). */
  async sign(zoneId: string, payload: Uint8Array): Promise<FlattenedJws & { kid: string }> {
    const zone = await mustLoad(this.store.zones.zones, zoneId, 'Zone', 'zoneId');
    const key = await this.current(zone);
    const cipher = await this.store.zones.signingKeys.privateKeyCipher(key.id);
    if (cipher === null) throw new Error(`signing key ${key.id} has no private key`);
    return { ...(await this.crypto.sign(this.box.open(cipher, key.id), key.kid, payload)), kid: key.kid };
  }

  /** Makes sure the zone has a current key (before a transaction that will sign with signIn). */
  async ensureKey(zoneId: string): Promise<void> {
    const zone = await mustLoad(this.store.zones.zones, zoneId, 'Zone', 'zoneId');
    await this.current(zone);
  }

  /** Signs inside a transaction, with the zone's current key (ensureKey first). */
  async signIn(tx: Store, zoneId: string, payload: Uint8Array): Promise<FlattenedJws & { kid: string }> {
    const key = (await tx.zones.signingKeys.published(zoneId)).find((k) => k.current);
    if (!key) throw new Error(`zone ${zoneId} has no current signing key`);
    const cipher = await tx.zones.signingKeys.privateKeyCipher(key.id);
    if (cipher === null) throw new Error(`signing key ${key.id} has no private key`);
    return { ...(await this.crypto.sign(this.box.open(cipher, key.id), key.kid, payload)), kid: key.kid };
  }

  /**
   * Makes a new current key for the zone (zone.manage); the previous one stays published. Every policy-set
   * version of the zone not archived is re-attested with the new key (status "re_signed"), in the same
   * transaction.
   */
  async rotateZoneSigningKey(actor: Authorizer, zoneId: string): Promise<{ zone: Zone; signingKey: ZoneSigningKey; resignedPolicySetVersions: number }> {
    // Checked before the (slow) key generation, and again inside the transaction.
    await this.store.transaction((tx) => zoneFor(tx, actor, zoneId, 'zone.manage'));
    const pair = await this.crypto.generate();
    const rotated = await this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'zone.manage');
      await tx.lockAccount(zone.accountId);
      await tx.zones.signingKeys.updateWhere('zoneId', zone.id, { current: false });
      const signingKey = await this.insert(tx, zone, pair);
      return { zone, signingKey, resignedPolicySetVersions: await this.afterRotation(tx, zone, actor.actorId) };
    });
    this.keysChanged(rotated.zone.id);
    return rotated;
  }

  /** Withdraws a key from the zone's JWKS (zone.manage). The current key cannot be retired: rotate first. */
  async retireZoneSigningKey(actor: Authorizer, keyId: string): Promise<ZoneSigningKey> {
    const retired = await this.store.transaction(async (tx) => {
      const key = await objectFor(actor, tx.zones.signingKeys, 'ZoneSigningKey', keyId);
      await tx.lockAccount(key.accountId);
      const [fresh] = await tx.zones.signingKeys.byIds([key.id]);
      if (fresh!.current) throw new ConflictError('the current signing key cannot be retired: rotate the zone signing key first', 'id');
      if (fresh!.retiredAt) throw new ConflictError('the signing key is already retired', 'id');
      return tx.zones.signingKeys.update(key.id, { retiredAt: new Date() });
    });
    this.keysChanged(retired.zoneId);
    return retired;
  }

  /** The zone's current key, generated and stored on first need (one per zone, under the account lock). */
  private async current(zone: Zone): Promise<ZoneSigningKey> {
    const existing = (await this.store.zones.signingKeys.published(zone.id)).find((k) => k.current);
    if (existing) return existing;
    const pair = await this.crypto.generate();
    return this.store.transaction(async (tx) => {
      await tx.lockAccount(zone.accountId);
      const raced = (await tx.zones.signingKeys.published(zone.id)).find((k) => k.current);
      return raced ?? this.insert(tx, zone, pair);
    });
  }

  private insert(tx: Store, zone: Zone, pair: ZoneKeyPair): Promise<ZoneSigningKey> {
    const id = tx.zones.newId();
    return tx.zones.signingKeys.create({
      id,
      accountId: zone.accountId,
      zoneId: zone.id,
      kid: pair.kid,
      alg: pair.alg,
      publicJwk: pair.publicJwk,
      privateKeyCipher: this.box.seal(pair.privateJwk, id),
      current: true,
      retiredAt: null,
    });
  }
}
