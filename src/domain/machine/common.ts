// Rules shared by the machine-identity services.
import { ValidationError } from '../errors.js';

/** An optional expiry: must lie in the future when given. */
export function futureDate(field: string, value: Date | null | undefined, now = new Date()): Date | null {
  if (value === null || value === undefined) return null;
  if (Number.isNaN(value.getTime())) throw new ValidationError(`${field} must be a valid date-time`, field);
  if (value.getTime() <= now.getTime()) throw new ValidationError(`${field} must be in the future`, field);
  return value;
}

/** A list of short identifiers: trimmed, deduplicated, each 1..maxLength of `pattern`, at most `maxItems`. */
export function identifierList(field: string, values: readonly string[] | null | undefined, options: { maxItems: number; maxLength: number; pattern: RegExp }): string[] {
  if (!values) return [];
  const out = [...new Set(values.map((v) => v.trim()))];
  if (out.length > options.maxItems) throw new ValidationError(`${field} may hold at most ${options.maxItems} entries`, field);
  for (const value of out) {
    if (value.length === 0 || value.length > options.maxLength || !options.pattern.test(value)) {
      throw new ValidationError(`${field} entry ${JSON.stringify(value.slice(0, 40))} must be 1..${options.maxLength} characters matching ${options.pattern.source}`, field);
    }
  }
  return out;
}
