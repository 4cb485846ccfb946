// The per-request authorization of one principal: its grants are loaded once (one statement) and
// every check of the request is answered from that snapshot.
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors.js';
import type { SubjectGrants } from '../store.js';
import { CAPABILITY_KEYS } from './catalog.js';
import { READ_CAPABILITY, type ObjectKind } from './objects.js';
import { accountsWithGrants, can, capabilitiesOn, isSuperAdmin, type Scope, type SubjectFacts } from './resolve.js';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; sessionId: string | null; expiresAt: Date };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function toFacts(subjectType: SubjectFacts['subjectType'], subjectId: string, held: SubjectGrants): SubjectFacts {
  return { subjectType, subjectId, groupIds: new Set(held.groupIds), grants: held.grants };
}

const NO_FACTS = (id: string): SubjectFacts => ({ subjectType: 'USER', subjectId: id, groupIds: new Set(), grants: [] });

/** What protects an object: the capability needed to see it, and how it is named in an input. */
export interface Guard {
  see: string;
  entity: string;
  field: string;
}

export class Authorizer {
  private snapshot: Promise<SubjectFacts> | undefined;
  /** Answers already given in this request, by capability and scope. */
  private readonly answers = new Map<string, boolean>();

  constructor(
    readonly principal: Principal,
    private readonly load: (subjectId: string) => Promise<SubjectGrants>,
  ) {}

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

  /** The principal's grants, loaded at most once per request. */
  facts(): Promise<SubjectFacts> {
    if (this.principal.kind === 'anonymous') return Promise.resolve(NO_FACTS('anonymous'));
    const userId = this.principal.userId;
    this.snapshot ??= this.load(userId).then((held) => toFacts('USER', userId, held));
    return this.snapshot;
  }

  async can(capability: string, scope: Scope): Promise<boolean> {
    const key = `${capability} ${scope.accountId} ${scope.resource?.type ?? ''}:${scope.resource?.id ?? ''} ${(scope.containers ?? []).map((c) => `${c.type}:${c.id}`).join(',')}`;
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = can(await this.facts(), capability, scope);
      this.answers.set(key, answer);
    }
    return answer;
  }

  async capabilities(scope: Scope): Promise<string[]> {
    return capabilitiesOn(await this.facts(), scope);
  }

  async isSuperAdmin(): Promise<boolean> {
    return isSuperAdmin(await this.facts());
  }

  /** Accounts the principal can read: 'all' for a super admin. */
  async readableAccounts(): Promise<string[] | 'all'> {
    const facts = await this.facts();
    const accounts = accountsWithGrants(facts);
    if (accounts === 'all') return 'all';
    return accounts.filter((accountId) => can(facts, 'account.read', { accountId }));
  }

  requireAuthenticated(): void {
    if (!this.authenticated) throw new UnauthenticatedError();
  }

  /**
   * The check in front of every write: an object the principal cannot see fails exactly like a missing
   * one (NotFoundError naming the input field); a visible one without the capability is Forbidden.
   */
  async authorize(capability: string, scope: Scope, guard: Guard): Promise<void> {
    this.requireAuthenticated();
    const facts = await this.facts();
    if (!can(facts, guard.see, scope)) throw new NotFoundError(guard.entity, guard.field);
    if (!can(facts, capability, scope)) throw new ForbiddenError(capability);
  }

  /** Whether the principal may see an object of `kind` living in any of `scopeList`. */
  async canSee(kind: ObjectKind, scopeList: readonly Scope[]): Promise<boolean> {
    if (!this.authenticated) return false;
    for (const scope of scopeList) if (await this.can(READ_CAPABILITY[kind], scope)) return true;
    return false;
  }

  /** Capabilities the principal holds on an object, over all the scopes it lives in. */
  async permissionsOn(scopeList: readonly Scope[]): Promise<string[]> {
    const facts = await this.facts();
    const keys = new Set(scopeList.flatMap((scope) => capabilitiesOn(facts, scope)));
    return CAPABILITY_KEYS.filter((key) => keys.has(key));
  }

  async requireSuperAdmin(): Promise<void> {
    this.requireAuthenticated();
    if (!(await this.isSuperAdmin())) throw new ForbiddenError('super_admin');
  }
}
