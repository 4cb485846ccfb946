// What the caller may see. node(id:), nodes(ids:), _entities and root fields return null for objects
// the caller may not see, exactly as for objects that do not exist; the decision is the domain's.
import type DataLoader from 'dataloader';
import { isZoneKind, scopes, type ObjectKind } from '../domain/authz/objects.js';
import { scopeOf, type ZoneKind } from '../domain/zone/access.js';
import type { ApplicationDependency, InZone } from '../domain/zone/model.js';
import type { Scope } from '../domain/authz/resolve.js';
import type { Account, ApiKey, Group, GroupMember, Invitation, ServiceAccount, ServiceAccountCredential, User, Workspace } from '../domain/model.js';
import type { GrantRecord, RoleAssignmentRecord } from '../domain/store.js';
import type { Authorizer } from '../domain/authz/authorizer.js';
import type { Context } from './context.js';

type Objects = {
  Account: Account;
  Workspace: Workspace;
  User: User;
  Group: Group;
  GroupMember: GroupMember;
  AuthorizationGrant: GrantRecord;
  RoleAssignment: RoleAssignmentRecord;
  ServiceAccount: ServiceAccount;
  ServiceAccountCredential: ServiceAccountCredential;
  ApiKey: ApiKey;
  Invitation: Invitation;
  ApplicationDependency: ApplicationDependency;
} & Record<ZoneKind, Pick<InZone, 'id' | 'accountId'> & { zoneId?: string }>;

export async function scopesOf<K extends ObjectKind>(ctx: Context, kind: K, object: Objects[K]): Promise<Scope[]> {
  if (isZoneKind(kind)) return [scopeOf(kind, object as never)];
  switch (kind) {
    case 'Account':
      return [scopes.account(object as Account)];
    case 'Workspace':
      return [scopes.workspace(object as Workspace)];
    case 'User':
      return scopes.user(await ctx.loaders.accountsOfUser.load((object as User).id));
    case 'Group':
      return [scopes.group(object as Group)];
    case 'GroupMember':
      return [scopes.groupMember(object as GroupMember)];
    case 'AuthorizationGrant':
    case 'RoleAssignment':
      return [scopes.grant(object as GrantRecord)];
    case 'ApplicationDependency': {
      // Seen, and held, exactly as its application.
      const application = await ctx.loaders.zones.application.load((object as ApplicationDependency).applicationId);
      return application ? [scopeOf('Application', application)] : [];
    }
    default:
      return [scopes.ofAccount(object as { accountId: string })];
  }
}

// One answer per object and principal: the shield asks for every field of an object. Keyed by the
// Authorizer, not the request, because a login answers the rest of its request as the new session.
const answers = new WeakMap<Authorizer, WeakMap<object, Promise<boolean>>>();
// The same answers once settled, for a synchronous look (visibleNow).
const settled = new WeakMap<Authorizer, WeakMap<object, boolean>>();

export function isVisible<K extends ObjectKind>(ctx: Context, kind: K, object: Objects[K]): Promise<boolean> {
  let perObject = answers.get(ctx.authz);
  if (!perObject) answers.set(ctx.authz, (perObject = new WeakMap()));
  let answer = perObject.get(object);
  if (!answer) {
    const authz = ctx.authz;
    answer = decide(ctx, kind, object).then((visible) => {
      let known = settled.get(authz);
      if (!known) settled.set(authz, (known = new WeakMap()));
      known.set(object, visible);
      return visible;
    });
    perObject.set(object, answer);
  }
  return answer;
}

/** isVisible's answer when it is already known for this caller and object; undefined otherwise. */
export function visibleNow(ctx: Context, object: object): boolean | undefined {
  return settled.get(ctx.authz)?.get(object);
}

async function decide<K extends ObjectKind>(ctx: Context, kind: K, object: Objects[K]): Promise<boolean> {
  // People can always see themselves.
  if (kind === 'User' && (object as User).id === ctx.authz.userId) return true;
  // Service accounts and API keys can always see themselves too.
  if (kind === 'ServiceAccount' && (object as ServiceAccount).id === ctx.authz.serviceAccountId) return true;
  if (kind === 'ApiKey' && ctx.authz.principal.kind === 'api_key' && (object as ApiKey).id === ctx.authz.principal.apiKeyId) return true;
  return ctx.authz.canSee(kind, await scopesOf(ctx, kind, object));
}

/** Loads an object by local id; null when there is no id, no such object, or the caller may not see it. */
export async function loadVisible<K extends ObjectKind, T extends Objects[K]>(ctx: Context, kind: K, loader: DataLoader<string, T | null>, id: string | null | undefined): Promise<T | null> {
  if (!id) return null;
  const object = await loader.load(id);
  return object && (await isVisible(ctx, kind, object)) ? object : null;
}

/** The capabilities the caller holds on an object. */
export async function viewerPermissions<K extends ObjectKind>(ctx: Context, kind: K, object: Objects[K]): Promise<string[]> {
  return ctx.authz.permissionsOn(await scopesOf(ctx, kind, object));
}
