// The shield rule map, generated from the schema and the access table (src/domain/authz/access.ts):
// - entry points (Query, Mutation): a caller is needed, except for the few public ones named here; the
//   domain decides what each gets, and its services check every write;
// - every Node type: its kind's table entry. Seeing the object (canSee(kind), decided once per object)
//   for its fields; the relations and sensitive fields the entry names need their own capability in the
//   object's scope. A Node type is of the kind it is named after, or of the kind it implements as an
//   interface (TokenCredential is an ApplicationCredential), under the kind's name or public name;
// - every other object type (connections, edges, payloads, errors, values reachable only through a
//   protected field) has no data of its own to protect: allow;
// - anything else, and a Node type without a table entry, is denied (fallbackRule deny), and
//   test/permissions.test.ts fails.
import type { GraphQLNamedType, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { allow, deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { ACCESS, OBJECT_KINDS, type ObjectKind } from '../../domain/authz/access.js';
import type { Context } from '../context.js';
import { canSee, forbidden, holdsOn, isAuthenticated } from './rules.js';

export { isAuthenticated };

/** Entry points anyone may call: lookups that answer null for what the caller may not see, and the ways in. */
const PUBLIC_QUERIES = new Set(['viewer', 'invitationPreview', 'node', 'nodes', 'account', 'zone', '_entities', '_service']);
// A person without a user yet accepts an invitation with its token and a new password.
const PUBLIC_MUTATIONS = new Set(['login', 'logout', 'requestPasswordReset', 'resetPassword', 'acceptInvitation']);

const ENTRY_POINTS: Record<string, ReadonlySet<string>> = { Query: PUBLIC_QUERIES, Mutation: PUBLIC_MUTATIONS };

const BY_NAME = new Map<string, ObjectKind>(OBJECT_KINDS.flatMap((kind) => [[kind, kind] as const, ...(ACCESS[kind].publicName ? [[ACCESS[kind].publicName!, kind] as const] : [])]));

// graphql may be loaded both as CJS (by the schema's builder) and as ESM: compare by kind, not instanceof.
function isObjectType(type: GraphQLNamedType): type is GraphQLObjectType {
  return type.constructor.name === 'GraphQLObjectType';
}

function isNode(type: GraphQLObjectType): boolean {
  return type.getInterfaces().some((i) => i.name === 'Node');
}

/** The access-table kind a Node type serves: by its own name, else by an interface it implements; undefined if none. */
export function kindOfType(type: GraphQLObjectType): ObjectKind | undefined {
  return BY_NAME.get(type.name) ?? type.getInterfaces().map((i) => BY_NAME.get(i.name)).find((kind) => kind !== undefined);
}

const generated = new WeakMap<GraphQLSchema, IRules>();

/** The rule map of `schema`. */
export function rulesFor(schema: GraphQLSchema): IRules {
  const cached = generated.get(schema);
  if (cached) return cached;
  const rules: Record<string, unknown> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (!isObjectType(type)) continue;
    const fields = Object.keys(type.getFields());
    const publicOnes = ENTRY_POINTS[type.name];
    if (publicOnes) {
      rules[type.name] = Object.fromEntries(fields.map((field) => [field, publicOnes.has(field) ? allow : isAuthenticated]));
      continue;
    }
    if (!isNode(type)) {
      rules[type.name] = allow;
      continue;
    }
    const kind = kindOfType(type);
    // A Node type without a table entry: nothing is served from it (and the coverage test names it).
    if (kind === undefined) continue;
    const guarded = Object.entries(ACCESS[kind].fields ?? {}).filter(([field]) => fields.includes(field));
    rules[type.name] = guarded.length === 0 ? canSee(kind) : { '*': canSee(kind), ...Object.fromEntries(guarded.map(([field, capability]) => [field, holdsOn(kind, capability)])) };
  }
  generated.set(schema, rules as IRules);
  return rules as IRules;
}

type Permissions = ReturnType<typeof shield<unknown, Context, unknown>>;
const shields = new WeakMap<GraphQLSchema, Permissions>();

/** graphql-shield over `schema`'s rule map, deny by default. */
export function permissionsFor(schema: GraphQLSchema): Permissions {
  let made = shields.get(schema);
  if (!made) {
    made = shield<unknown, Context, unknown>(rulesFor(schema), {
      fallbackRule: deny,
      fallbackError: forbidden,
      // Resolver errors (bad input, masked internal errors) pass through; Yoga masks what must be masked.
      allowExternalErrors: true,
    });
    shields.set(schema, made);
  }
  return made;
}
