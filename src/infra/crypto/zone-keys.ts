// Zone signing keys with jose (the ZoneKeyCrypto port of src/domain/zone/crypto.ts): RS256 key pairs
// (2048-bit modulus), kid = the RFC 7638 thumbprint of the public key, and flattened JWS signatures.
// The private JWK reaches this module already opened by the key service; imported keys are cached
// by kid, so that a zone's key is parsed once per process.
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, FlattenedSign, flattenedVerify, generateKeyPair, importJWK, type CryptoKey, type JWK, type JSONWebKeySet } from 'jose';
import type { ZoneKeyCrypto } from '../../domain/zone/crypto.js';

const ALG = 'RS256';

export function joseZoneKeys(): ZoneKeyCrypto {
  const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
  return {
    async generate() {
      const { privateKey } = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
      const jwk = await exportJWK(privateKey);
      const publicJwk = { kty: jwk.kty!, n: jwk.n!, e: jwk.e! };
      const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
      return { kid, alg: ALG, publicJwk, privateJwk: JSON.stringify({ ...jwk, kid, alg: ALG }) };
    },
    async sign(privateJwk, kid, payload) {
      let key = imported.get(kid);
      if (!key) {
        key = importJWK(JSON.parse(privateJwk) as JWK, ALG);
        imported.set(kid, key);
      }
      const jws = await new FlattenedSign(payload).setProtectedHeader({ alg: ALG, kid }).sign(await key);
      return { protected: jws.protected!, payload: jws.payload, signature: jws.signature };
    },
    async verify(jws, publicJwks) {
      try {
        const keys = createLocalJWKSet({ keys: publicJwks.map((k) => ({ ...k, alg: ALG, use: 'sig' })) } as unknown as JSONWebKeySet);
        const verified = await flattenedVerify(jws, keys, { algorithms: [ALG] });
        return verified.payload;
      } catch {
        return null;
      }
    },
  };
}
