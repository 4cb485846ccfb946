// Input rules shared by the services. Each check names the input field it is about.
import validator from 'validator';
import { ValidationError } from './errors.js';
import type { LinkedScope } from './model.js';

/** Resource types of reference 000 that a scope or grant can point at. */
export const RESOURCE_TYPES = ['client', 'account', 'workspace', 'domain', 'dns_record', 'mailbox', 'redirect', 'forwarding', 'credential', 'tenant', 'route', 'proxy'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const LIMITS = {
  name: 255,
  description: 2048,
  email: 254,
  personName: 255,
  usernameMin: 3,
  username: 64,
  passwordMin: 8,
  password: 1024,
  attributesBytes: 16_384,
  linkedScopes: 100,
  resourceId: 255,
} as const;

/**
 * Control characters (C0 with NUL, ESC, CR and LF; DEL; C1) and the invisible bidirectional controls that
 * reorder what a reader sees: refused in names and descriptions.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export function noControls(field: string, text: string): void {
  if (CONTROL.test(text)) throw new ValidationError(`${field} must not contain control characters`, field);
}

/** Trims and checks a required name: 1..max characters after trimming, no control characters. */
export function requiredText(field: string, value: string, max: number = LIMITS.name): string {
  const text = value.trim();
  if (text.length === 0) throw new ValidationError(`${field} must not be empty`, field);
  if (text.length > max) throw new ValidationError(`${field} must be at most ${max} characters`, field);
  noControls(field, text);
  return text;
}

/** Optional free text: null or empty becomes null. */
export function optionalText(field: string, value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text.length === 0) return null;
  if (text.length > max) throw new ValidationError(`${field} must be at most ${max} characters`, field);
  noControls(field, text);
  return text;
}

/** An email address (validator's isEmail: a domain with a TLD, no IP literal, no control characters), trimmed and lower-cased. */
export function email(field: string, value: string): string {
  const text = value.trim().toLowerCase();
  if (text.length > LIMITS.email || CONTROL.test(text) || !validator.isEmail(text, { require_tld: true, allow_ip_domain: false, allow_display_name: false, ignore_max_length: false })) {
    throw new ValidationError(`${field} must be a valid email address`, field);
  }
  return text;
}

export function username(field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const text = value.trim().toLowerCase();
  if (text.length < LIMITS.usernameMin || text.length > LIMITS.username || !/^[a-z0-9][a-z0-9._-]*$/.test(text)) {
    throw new ValidationError(
      `${field} must be ${LIMITS.usernameMin}..${LIMITS.username} characters of letters, digits, '.', '_' or '-', starting with a letter or digit`,
      field,
    );
  }
  if (text.includes('@')) throw new ValidationError(`${field} must not contain '@'`, field);
  return text;
}

export function password(field: string, value: string): string {
  if (value.length < LIMITS.passwordMin) throw new ValidationError(`${field} must be at least ${LIMITS.passwordMin} characters`, field);
  if (value.length > LIMITS.password) throw new ValidationError(`${field} must be at most ${LIMITS.password} characters`, field);
  return value;
}

export function groupName(field: string, value: string): string {
  const name = requiredText(field, value);
  if (name.includes('/')) throw new ValidationError(`${field} must not contain '/' (it separates the parts of a group path)`, field);
  return name;
}

export function attributes(field: string, value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationError(`${field} must be a JSON object`, field);
  if (Buffer.byteLength(JSON.stringify(value)) > LIMITS.attributesBytes) throw new ValidationError(`${field} must be at most ${LIMITS.attributesBytes} bytes of JSON`, field);
  return value as Record<string, unknown>;
}

export function linkedScopes(field: string, value: readonly { resourceType: string; resourceId: string }[] | null | undefined): LinkedScope[] {
  if (!value) return [];
  if (value.length > LIMITS.linkedScopes) throw new ValidationError(`${field} must have at most ${LIMITS.linkedScopes} entries`, field);
  const seen = new Set<string>();
  return value.map((scope, i) => {
    const resourceType = scope.resourceType.toLowerCase();
    if (!(RESOURCE_TYPES as readonly string[]).includes(resourceType)) throw new ValidationError(`${field}[${i}].resourceType is not a known resource type`, field);
    const resourceId = requiredText(`${field}[${i}].resourceId`, scope.resourceId, LIMITS.resourceId);
    const key = `${resourceType}:${resourceId}`;
    if (seen.has(key)) throw new ValidationError(`${field}[${i}] repeats an earlier scope`, field);
    seen.add(key);
    return { resourceType, resourceId };
  });
}
