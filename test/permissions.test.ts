// Deny by default: every type and field of the schema has a shield rule, and what has none is refused.
import { describe, expect, it } from 'vitest';
import { rules } from '../src/graphql/permissions/index.js';
import { buildSchema } from '../src/graphql/schema.js';

describe('shield rules', () => {
  it('cover every type and field of the schema', () => {
    const schema = buildSchema();
    const missing: string[] = [];
    let fields = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      // graphql is loaded as CJS by the schema and as ESM here: compare by kind, not instanceof.
      if (type.name.startsWith('__') || type.constructor.name !== 'GraphQLObjectType') continue;
      const rule = (rules as Record<string, object | undefined>)[type.name];
      // A type-level rule (allow, deny or rule(...)) has a resolve function; a field map names fields.
      const typeLevel = rule !== undefined && typeof (rule as { resolve?: unknown }).resolve === 'function';
      for (const field of Object.keys((type as unknown as { getFields(): object }).getFields())) {
        fields++;
        // In a field map, '*' is the rule for the fields not named.
        if (!typeLevel && !(rule !== undefined && (field in rule || '*' in rule))) missing.push(`${type.name}.${field}`);
      }
    }
    expect(fields).toBeGreaterThan(200);
    expect(missing, 'add a rule in src/graphql/permissions/index.ts').toEqual([]);
  });

  it('name only types the schema has', () => {
    const schema = buildSchema();
    const unknown = Object.keys(rules).filter((name) => !schema.getType(name));
    expect(unknown).toEqual([]);
  });
});
