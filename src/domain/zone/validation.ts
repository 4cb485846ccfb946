// Input rules of the zones graph (reference 001). Each check names the input field it is about.
import { ValidationError } from '../errors.js';
import type { ApplicationType } from './model.js';

export const ZONE_LIMITS = {
  name: 255,
  description: 2048,
  secretDescription: 128,
  slug: 63,
  identifier: 2048,
  url: 2048,
  listItems: 100,
  scope: 255,
  metadataBytes: 16_384,
  secretValue: 16_384,
} as const;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A URL-safe identifier: 1..63 lower-case letters, digits and '-', not starting or ending with '-'. */
export function slug(field: string, value: string): string {
  const text = value.trim();
  if (!SLUG.test(text)) throw new ValidationError(`${field} must be 1..63 lower-case letters, digits and '-', starting and ending with a letter or digit`, field);
  return text;
}

/** The slug a name suggests ("Acme Prod!" -> "acme-prod"); `fallback` when nothing of the name is usable. */
export function slugFrom(name: string, fallback: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, ZONE_LIMITS.slug)
    .replace(/-+$/g, '');
  return base || fallback;
}

/** `base`, or `base-2`, `base-3`, ... : the first that `taken` says is free (kept within 63 characters). */
export async function freeSlug(base: string, taken: (slug: string) => Promise<boolean>): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const suffix = n === 1 ? '' : `-${n}`;
    const candidate = `${base.slice(0, ZONE_LIMITS.slug - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!(await taken(candidate))) return candidate;
  }
  throw new ValidationError('no free slug could be derived; give one', 'slug');
}

function parse(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** An absolute http(s) URL of at most 2048 characters. */
export function httpUrl(field: string, value: string): string {
  const trimmed = value.trim();
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f]/.test(trimmed)) throw new ValidationError(`${field} must not contain spaces or control characters`, field);
  const url = parse(trimmed);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) throw new ValidationError(`${field} must be an absolute http or https URL`, field);
  if (trimmed.length > ZONE_LIMITS.url) throw new ValidationError(`${field} must be at most ${ZONE_LIMITS.url} characters`, field);
  return trimmed;
}

export function optionalHttpUrl(field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  return httpUrl(field, value);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(url: URL): boolean {
  return LOOPBACK.has(url.hostname) || url.hostname.endsWith('.localhost');
}

/** The host as written in `text` (between `//` and the path; userinfo and port removed), or null without an authority. */
function writtenHost(text: string): { host: string; userinfo: boolean } | null {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(text);
  if (!match) return null;
  let authority = match[1]!;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0;
  if (userinfo) authority = authority.slice(at + 1);
  const host = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.replace(/:\d*$/, '');
  return { host: host.toLowerCase(), userinfo };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * A redirect URI's host must be written as the browser will read it: no numeric, hexadecimal, octal or
 * shortened IPv4 forms (http://2130706433/ is 127.0.0.1), no percent-encoding or other rewriting, no
 * userinfo; and an IP address only for loopback (127.0.0.1, [::1]), which native apps use (RFC 8252).
 */
function hostAsWritten(field: string, text: string, url: URL): void {
  const written = writtenHost(text);
  if (!written) return;
  if (written.userinfo) throw new ValidationError(`${field} must not hold URIs with a user name or password`, field);
  if (written.host !== url.hostname) throw new ValidationError(`${field} must hold URIs whose host is written in its usual form (not ${JSON.stringify(written.host)})`, field);
  const ip = IPV4.test(url.hostname) || url.hostname.startsWith('[');
  if (ip && url.hostname !== '127.0.0.1' && url.hostname !== '[::1]') throw new ValidationError(`${field} must not hold URIs with an IP address host other than loopback (127.0.0.1, [::1])`, field);
}

/**
 * An OAuth 2.0 redirect URI (RFC 6749 3.1.2, RFC 8252): absolute, no fragment; https, http on a
 * loopback host, or a private-use scheme with a dot (a reverse domain, e.g. com.example.app:/cb).
 */
export function redirectUri(field: string, value: string): string {
  const trimmed = value.trim();
  // The URL parser drops tabs and newlines silently: refuse them (and every other control or space) first.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f]/.test(trimmed)) throw new ValidationError(`${field} must not hold URIs with spaces or control characters (CR, LF, ...)`, field);
  if (trimmed.includes('*')) throw new ValidationError(`${field} must hold exact URIs: no wildcards`, field);
  const url = parse(trimmed);
  if (!url) throw new ValidationError(`${field} must hold absolute URIs`, field);
  hostAsWritten(field, trimmed, url);
  if (trimmed.length > ZONE_LIMITS.url) throw new ValidationError(`${field} must hold URIs of at most ${ZONE_LIMITS.url} characters`, field);
  if (url.hash) throw new ValidationError(`${field} must not hold URIs with a fragment`, field);
  if (url.protocol === 'https:') return trimmed;
  if (url.protocol === 'http:') {
    if (isLoopback(url)) return trimmed;
    throw new ValidationError(`${field} may use http only on a loopback host (localhost, 127.0.0.1, [::1])`, field);
  }
  if (/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(url.protocol)) return trimmed;
  if (['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol)) throw new ValidationError(`${field} must not use the ${url.protocol} scheme`, field);
  throw new ValidationError(`${field} must hold https URIs, http loopback URIs or private-use schemes in reverse-domain form`, field);
}

/** Whether a redirect URI is acceptable for a client of `type` (reference 001, resource application_type). */
export function redirectUriFits(uri: string, type: ApplicationType): boolean {
  const url = parse(uri);
  if (!url) return false;
  if (type === 'WEB') return url.protocol === 'https:' && !isLoopback(url);
  return ((url.protocol === 'http:' || url.protocol === 'https:') && isLoopback(url)) || !['http:', 'https:'].includes(url.protocol);
}

export function uriList(field: string, values: readonly string[] | null | undefined): string[] {
  if (!values) return [];
  if (values.length > ZONE_LIMITS.listItems) throw new ValidationError(`${field} must have at most ${ZONE_LIMITS.listItems} entries`, field);
  const list = values.map((v) => redirectUri(field, v));
  if (new Set(list).size !== list.length) throw new ValidationError(`${field} must not repeat a URI`, field);
  return list;
}

/** OAuth scope tokens (RFC 6749 3.3): printable ASCII without spaces, quotes or backslashes. */
export function scopeList(field: string, values: readonly string[] | null | undefined): string[] {
  if (!values) return [];
  if (values.length > ZONE_LIMITS.listItems) throw new ValidationError(`${field} must have at most ${ZONE_LIMITS.listItems} entries`, field);
  const list = values.map((v) => v.trim());
  for (const scope of list) {
    if (scope.length === 0 || scope.length > ZONE_LIMITS.scope || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new ValidationError(`${field} must hold scope tokens: 1..${ZONE_LIMITS.scope} printable characters without spaces, quotes or backslashes`, field);
    }
  }
  return [...new Set(list)];
}

export function jsonObject(field: string, value: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationError(`${field} must be a JSON object`, field);
  if (Buffer.byteLength(JSON.stringify(value)) > ZONE_LIMITS.metadataBytes) throw new ValidationError(`${field} must be at most ${ZONE_LIMITS.metadataBytes} bytes of JSON`, field);
  return value;
}
