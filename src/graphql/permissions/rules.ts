// The rule builders the generated rule map uses. graphql-shield refuses two different rules of one name,
// so each rule is made once and shared. Rules hold no logic of their own: they ask the access table
// (src/domain/authz/access.ts) through the request's Authorizer.
import { rule } from 'graphql-shield';
import { createGraphQLError } from 'graphql-yoga';
import { holdsIn, scopesOf, type ObjectKind } from '../../domain/authz/access.js';
import type { Context } from '../context.js';
import { isVisible, sourceOf } from '../visibility.js';
import type { CapabilityKey } from '../../domain/authz/catalog.js';

export const unauthenticated = () => createGraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
export const forbidden = () => createGraphQLError('not allowed', { extensions: { code: 'FORBIDDEN' } });

type Rule = ReturnType<ReturnType<typeof rule>>;
const made = new Map<string, Rule>();

function once(name: string, make: (name: string) => Rule): Rule {
  let r = made.get(name);
  if (!r) made.set(name, (r = make(name)));
  return r;
}

export const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })((_parent, _args, ctx: Context) => ctx.authz.authenticated || unauthenticated());

/** The kind each canSee rule checks: permissions/apply.ts applies those rules once per object. */
export const visibilityRules = new Map<Rule, ObjectKind>();

/** The parent object is visible to the caller (the same decision node(id:) makes). */
export function canSee(kind: ObjectKind): Rule {
  return once(`canSee${kind}`, (name) => {
    const made = rule(name, { cache: 'no_cache' })(async (parent, _args, ctx: Context) => {
      if (!ctx.authz.authenticated) return unauthenticated();
      return (await isVisible(ctx, kind, parent as never)) || forbidden();
    });
    visibilityRules.set(made, kind);
    return made;
  });
}

/** The caller holds `capability` in the scope(s) of the parent object of `kind` (relations, sensitive fields). */
export function holdsOn(kind: ObjectKind, capability: CapabilityKey): Rule {
  return once(`on${kind}:${capability}`, (name) =>
    rule(name, { cache: 'no_cache' })(async (parent, _args, ctx: Context) => {
      if (!ctx.authz.authenticated) return unauthenticated();
      return (await holdsIn(ctx.authz, capability, await scopesOf(kind, parent as never, sourceOf(ctx)))) || forbidden();
    }),
  );
}
