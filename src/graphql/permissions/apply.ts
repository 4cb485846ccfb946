// Puts the rule map on the schema, with graphql-shield, at the cost each rule needs and no more:
// - a field whose rule is `allow` (connections, edges, payloads, ...) is left unwrapped: shield would only
//   evaluate `allow` asynchronously before calling the resolver;
// - a field whose rule is canSee(kind) (an object's own fields) gets the same decision, made once per object
//   and caller (the access table's `visible` memoises it) and then answered synchronously for the object's
//   other fields; its resolver is wrapped directly (no per-call closure of graphql-middleware), and a Node
//   type's `id` is encoded synchronously (node-ids.ts);
// - every other field (entry points, relations, sensitive fields, the fallback `deny`) keeps shield's own
//   middleware for its rule.
// The decisions are the generated rule map's (permissions/index.ts; test/permissions.test.ts checks it covers
// every field); only the way they are applied changes.
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareGenerator } from 'graphql-middleware';
import { allow } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import type { ObjectKind } from '../../domain/authz/access.js';
import type { Context } from '../context.js';
import { isVisible, visibleNow } from '../visibility.js';
import { isNodeType, nodeIdResolver } from '../node-ids.js';
import { forbidden, unauthenticated, visibilityRules } from './rules.js';

type FieldMiddleware = unknown;
type Resolve = GraphQLFieldResolver<unknown, Context>;

/** The rule the map gives `field` of `typeName` (undefined: shield's fallback). */
function ruleOf(rules: IRules, typeName: string, field: string): unknown {
  const forType = (rules as Record<string, unknown>)[typeName];
  if (forType === undefined || forType === null) return undefined;
  if (typeof (forType as { resolve?: unknown }).resolve === 'function') return forType;
  const map = forType as Record<string, unknown>;
  return map[field] ?? map['*'];
}

/**
 * A field resolver behind canSee(kind): unauthenticated, then the object's visibility, decided once (and
 * without waiting when it can be: see access.ts visibleNow). Put straight on the field, not through
 * graphql-middleware, whose wrapper makes a closure on every call of every field it wraps.
 */
function visibleOnce(kind: ObjectKind, resolve: Resolve): Resolve {
  return (parent, args, ctx, info) => {
    if (!ctx.authz.authenticated) return unauthenticated();
    const known = visibleNow(ctx, kind, parent as never);
    if (known === true) return resolve(parent, args, ctx, info);
    if (known === false) return forbidden();
    return isVisible(ctx, kind, parent as never).then((visible) => (visible ? resolve(parent, args, ctx, info) : forbidden()));
  };
}

export function applyRules(schema: GraphQLSchema, rules: IRules, permissions: IMiddlewareGenerator<unknown, Context, unknown>): GraphQLSchema {
  const generated = permissions.generate(schema) as Record<string, Record<string, FieldMiddleware>>;
  const middleware: Record<string, Record<string, FieldMiddleware>> = {};
  const visibleFields: { typeName: string; field: string; kind: ObjectKind }[] = [];
  for (const [typeName, fields] of Object.entries(generated)) {
    const kept: Record<string, FieldMiddleware> = {};
    for (const [field, shielded] of Object.entries(fields)) {
      const rule = ruleOf(rules, typeName, field);
      if (rule === allow) continue;
      const kind = visibilityRules.get(rule as never);
      if (kind === undefined) kept[field] = shielded;
      else visibleFields.push({ typeName, field, kind });
    }
    if (Object.keys(kept).length > 0) middleware[typeName] = kept;
  }
  // graphql-middleware makes a new schema; the canSee fields are then wrapped in place on that schema.
  const applied = applyMiddleware(schema, middleware as never);
  for (const { typeName, field, kind } of visibleFields) {
    const type = applied.getType(typeName) as GraphQLObjectType | undefined;
    const target = type?.getFields()[field];
    if (!target) throw new Error(`permissions: ${typeName}.${field} is not in the schema`);
    const resolve = field === 'id' && isNodeType(type!) ? (nodeIdResolver(typeName) as Resolve) : ((target.resolve ?? defaultFieldResolver) as Resolve);
    target.resolve = visibleOnce(kind, resolve);
  }
  return applied;
}
