// A trusted external issuer for tests: an RS256 key pair whose JWKS is served on a loopback port.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

export interface TestIdp {
  issuer: string;
  /** KEYGRAPH_TRUSTED_ISSUERS naming this issuer (audience keygraph-frontend). */
  trustedIssuers: string;
  /** A token of this issuer with the claims given, for `audience`. */
  sign(claims: Record<string, unknown>, audience?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startIdp(issuer = 'https://idp.example.test'): Promise<TestIdp> {
  const keys = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  const server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  return {
    issuer,
    trustedIssuers: JSON.stringify([{ issuer, audience: 'keygraph-frontend', jwksUrl, algorithms: ['RS256'] }]),
    sign: (claims, audience = 'keygraph-frontend') =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'idp-1' }).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('5m').sign(keys.privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
