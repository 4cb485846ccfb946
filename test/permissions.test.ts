// Deny by default: every type and field of the schema has a shield rule, and what has none is refused.
// The rule map is generated from the access table (src/domain/authz/access.ts) and the schema.
import { describe, expect, it } from 'vitest';
import { rulesFor, kindOfType } from '../src/graphql/permissions/index.js';
import { buildSchema } from '../src/graphql/schema.js';
import { ACCESS, OBJECT_KINDS } from '../src/domain/authz/access.js';

const rules = rulesFor(buildSchema());

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
    expect(missing, 'add an entry to the access table (src/domain/authz/access.ts)').toEqual([]);
  });

  it('name only types the schema has', () => {
    const schema = buildSchema();
    const unknown = Object.keys(rules).filter((name) => !schema.getType(name));
    expect(unknown).toEqual([]);
  });
});

describe('the access table and the schema', () => {
  const schema = buildSchema();
  const nodeTypes = Object.values(schema.getTypeMap()).filter(
    (type) => type.constructor.name === 'GraphQLObjectType' && (type as unknown as { getInterfaces(): { name: string }[] }).getInterfaces().some((i) => i.name === 'Node'),
  ) as unknown as Parameters<typeof kindOfType>[0][];

  it('every Node type of the schema has a table entry', () => {
    expect(nodeTypes.length).toBeGreaterThan(25);
    expect(nodeTypes.filter((type) => kindOfType(type) === undefined).map((type) => type.name)).toEqual([]);
  });

  it('every table entry is served by a Node type', () => {
    const served = new Set(nodeTypes.map((type) => kindOfType(type)));
    expect(OBJECT_KINDS.filter((kind) => !served.has(kind))).toEqual([]);
  });

  it('every relation or sensitive field the table guards is a field of its kind in the schema', () => {
    const unknown: string[] = [];
    for (const kind of OBJECT_KINDS) {
      const types = nodeTypes.filter((type) => kindOfType(type) === kind);
      for (const field of Object.keys(ACCESS[kind].fields ?? {})) {
        if (!types.some((type) => field in type.getFields())) unknown.push(`${kind}.${field}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('a Node type without a table entry gets no rule, so the fallback denies it', () => {
    // What rulesFor does with a kind it does not know: the coverage test above then names its fields.
    const fake = { name: 'Gadget', getInterfaces: () => [{ name: 'Node' }], getFields: () => ({ id: {} }), constructor: { name: 'GraphQLObjectType' } };
    expect(kindOfType(fake as never)).toBeUndefined();
  });
});
