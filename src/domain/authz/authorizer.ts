// The per-request authorization of one principal: its grants are loaded once (one statement) and
// every check of the request is answered from that snapshot.
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors.js';
import type { ChangeMark, SubjectGrants } from '../store.js';
import type { ActorType } from '../model.js';
import { CAPABILITY_KEYS, expand, type CapabilityKey } from './catalog.js';
import { accountsWithGrants, can, capabilitiesOn, isSuperAdmin, type Scope, type SubjectFacts } from './resolve.js';

/** An API key acting: at most its own permissions, never beyond what its creator holds now, only in its account and workspaces. */
export interface ApiKeyPrincipal {
  kind: 'api_key';
  apiKeyId: string;
  accountId: string;
  creator: { type: ActorType; id: string };
  permissions: readonly string[];
  workspaceIds: readonly string[];
  readOnly: boolean;
  expiresAt: Date | null;
}

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; sessionId: string | null; expiresAt: Date }
  | { kind: 'service_account'; serviceAccountId: string; accountId: string; sessionId: string | null; expiresAt: Date | null }
  | ApiKeyPrincipal;

/** The workspace a scope is inside, if any. */
function workspaceOf(scope: Scope): string | null {
  if (scope.resource?.type === 'workspace') return scope.resource.id;
  return scope.containers?.find((c) => c.type === 'workspace')?.id ?? null;
}

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function toFacts(subjectType: SubjectFacts['subjectType'], subjectId: string, held: SubjectGrants): SubjectFacts {
  return { subjectType, subjectId, groupIds: new Set(held.groupIds), grants: held.grants };
}

const NO_FACTS = (id: string): SubjectFacts => ({ subjectType: 'USER', subjectId: id, groupIds: new Set(), grants: [] });

/** What protects an object: the capability needed to see it, and how it is named in an input. */
export interface Guard {
  see: CapabilityKey;
  entity: string;
  field: string;
}

/** The key of an answer: a capability in a scope. */
function answerKey(capability: CapabilityKey, scope: Scope): string {
  if (scope.resource === undefined && scope.containers === undefined) return `${capability} ${scope.accountId} : `;
  return `${capability} ${scope.accountId} ${scope.resource?.type ?? ''}:${scope.resource?.id ?? ''} ${(scope.containers ?? []).map((c) => `${c.type}:${c.id}`).join(',')}`;
}

export class Authorizer {
  private snapshot: Promise<SubjectFacts> | undefined;
  /** Answers already given in this request, by capability and scope. */
  private readonly answers = new Map<string, boolean>();

  /** For an API key: the capabilities its permissions expand to. */
  private readonly keyCapabilities: ReadonlySet<string> | null;

  /**
   * @param asOf the store's change mark as of the request's start, taken before anything of it was read
   *   (Store.changeMark) or read with its session (PostgreSQL: SessionRepo.byIdWithGrants): what is remembered as
   *   of this mark may serve the request, as its session and grants did, so a decision need not look again.
   *   Undefined where the request has none.
   */
  constructor(
    readonly principal: Principal,
    private readonly load: (subjectId: string) => Promise<SubjectGrants>,
    readonly asOf?: ChangeMark,
  ) {
    this.keyCapabilities = principal.kind === 'api_key' ? new Set(expand(principal.permissions)) : null;
  }

  /** The same request, as another principal (the answer to a login is given as its new session). */
  as(principal: Principal): Authorizer {
    return new Authorizer(principal, this.load);
  }

  get authenticated(): boolean {
    return this.principal.kind !== 'anonymous';
  }

  get userId(): string | null {
    return this.principal.kind === 'user' ? this.principal.userId : null;
  }

  get serviceAccountId(): string | null {
    return this.principal.kind === 'service_account' ? this.principal.serviceAccountId : null;
  }

  /** Who acts, as recorded in `createdBy`-style fields: a user, a service account or an API key. */
  get actorId(): string | null {
    switch (this.principal.kind) {
      case 'user':
        return this.principal.userId;
      case 'service_account':
        return this.principal.serviceAccountId;
      case 'api_key':
        return this.principal.apiKeyId;
      default:
        return null;
    }
  }

  /** The person or service account acting directly (not through an API key). */
  get subject(): { type: ActorType; id: string } | null {
    if (this.principal.kind === 'user') return { type: 'USER', id: this.principal.userId };
    if (this.principal.kind === 'service_account') return { type: 'SERVICE_ACCOUNT', id: this.principal.serviceAccountId };
    return null;
  }

  /** A read-only API key: no write goes through. */
  get readOnly(): boolean {
    return this.principal.kind === 'api_key' && this.principal.readOnly;
  }

  /**
   * The grants the principal acts with, loaded at most once per request: its own, or for an API key
   * its creator's as they are now (a key never outlives its creator's access).
   */
  facts(): Promise<SubjectFacts> {
    const p = this.principal;
    if (p.kind === 'anonymous') return Promise.resolve((this.loaded ??= NO_FACTS('anonymous')));
    const [type, id] = p.kind === 'user' ? (['USER', p.userId] as const) : p.kind === 'service_account' ? (['SERVICE_ACCOUNT', p.serviceAccountId] as const) : ([p.creator.type, p.creator.id] as const);
    this.snapshot ??= this.load(id).then((held) => (this.loaded = toFacts(type, id, held)));
    return this.snapshot;
  }

  /** The facts once loaded (for answers given without waiting); undefined before. */
  private loaded: SubjectFacts | undefined;

  /** The API key's own limits (none for other principals): its account, its permissions, its workspaces. */
  private withinKey(capability: string, scope: Scope): boolean {
    const p = this.principal;
    if (p.kind !== 'api_key') return true;
    if (scope.accountId !== p.accountId || !this.keyCapabilities!.has(capability)) return false;
    const workspace = workspaceOf(scope);
    return workspace === null || p.workspaceIds.includes(workspace);
  }

  private check(facts: SubjectFacts, capability: CapabilityKey, scope: Scope): boolean {
    return this.withinKey(capability, scope) && can(facts, capability, scope);
  }

  async can(capability: CapabilityKey, scope: Scope): Promise<boolean> {
    return this.canNow(capability, scope) ?? (await this.facts(), this.canNow(capability, scope)!);
  }

  /** `can`'s answer without waiting, when the facts are already loaded (anonymous: never held); undefined before. */
  canNow(capability: CapabilityKey, scope: Scope): boolean | undefined {
    const key = answerKey(capability, scope);
    let answer = this.answers.get(key);
    if (answer === undefined) {
      if (this.loaded === undefined) return undefined;
      answer = this.check(this.loaded, capability, scope);
      this.answers.set(key, answer);
    }
    return answer;
  }

  async capabilities(scope: Scope): Promise<string[]> {
    return capabilitiesOn(await this.facts(), scope).filter((capability) => this.withinKey(capability, scope));
  }

  async isSuperAdmin(): Promise<boolean> {
    // An API key acts within its account only, whoever created it.
    return this.principal.kind !== 'api_key' && isSuperAdmin(await this.facts());
  }

  /** Accounts the principal can read: 'all' for a super admin. */
  async readableAccounts(): Promise<string[] | 'all'> {
    const facts = await this.facts();
    if (this.principal.kind === 'api_key') {
      const accountId = this.principal.accountId;
      return this.check(facts, 'account.read', { accountId }) ? [accountId] : [];
    }
    const accounts = accountsWithGrants(facts);
    if (accounts === 'all') return 'all';
    return accounts.filter((accountId) => can(facts, 'account.read', { accountId }));
  }

  /** The workspaces an API key may reach; null when the principal is not limited to some. */
  get workspaceLimit(): readonly string[] | null {
    return this.principal.kind === 'api_key' ? this.principal.workspaceIds : null;
  }

  requireAuthenticated(): void {
    if (!this.authenticated) throw new UnauthenticatedError();
  }

  /**
   * The check in front of every write: an object the principal cannot see fails exactly like a missing
   * one (NotFoundError naming the input field); a visible one without the capability is Forbidden.
   */
  async authorize(capability: CapabilityKey, scope: Scope, guard: Guard): Promise<void> {
    this.requireAuthenticated();
    const facts = await this.facts();
    if (!this.check(facts, guard.see, scope)) throw new NotFoundError(guard.entity, guard.field);
    this.requireWritable();
    if (!this.check(facts, capability, scope)) throw new ForbiddenError(capability);
  }

  /** Refuses any write by a read-only API key. */
  requireWritable(): void {
    if (this.readOnly) throw new ForbiddenError('write', 'this API key is read-only: it can run no mutation');
  }

  /** Capabilities the principal holds on an object, over all the scopes it lives in. */
  async permissionsOn(scopeList: readonly Scope[]): Promise<string[]> {
    const facts = await this.facts();
    const keys = new Set(scopeList.flatMap((scope) => capabilitiesOn(facts, scope).filter((capability) => this.withinKey(capability, scope))));
    return CAPABILITY_KEYS.filter((key) => keys.has(key));
  }

  async requireSuperAdmin(): Promise<void> {
    this.requireAuthenticated();
    if (!(await this.isSuperAdmin())) throw new ForbiddenError('super_admin');
  }
}
