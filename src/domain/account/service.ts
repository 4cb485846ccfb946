import type { Authorizer } from '../authz/authorizer.js';
import { NotFoundError } from '../errors.js';
import type { Account } from '../model.js';
import type { Page, PageArgs, Store } from '../store.js';
import { LIMITS, optionalText, requiredText } from '../validation.js';
import { authorizeInScope } from '../authz/access.js';

export interface AccountInput {
  name: string;
  description?: string | null;
}

export class AccountService {
  constructor(private readonly store: Store) {}

  /** A page of the accounts the actor can read (every account, for a super administrator), and their count. */
  async readable(actor: Authorizer, args: PageArgs): Promise<{ page: Page; count: () => Promise<number> }> {
    const readable = await actor.readableAccounts();
    const only = readable === 'all' ? undefined : readable;
    const page = await this.store.accounts.page(args, only);
    return { page, count: () => this.store.accounts.count(only) };
  }

  /** Only a super administrator creates accounts. */
  async createAccount(actor: Authorizer, input: AccountInput): Promise<Account> {
    await actor.requireSuperAdmin();
    const name = requiredText('name', input.name);
    const description = optionalText('description', input.description, LIMITS.description);
    return this.store.accounts.create({ name, description });
  }

  async updateAccount(actor: Authorizer, accountId: string, patch: Partial<AccountInput>): Promise<Account> {
    await authorizeInScope(actor, 'Account', { accountId }, 'id');
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, LIMITS.description);
    return this.store.transaction(async (tx) => {
      const [account] = await tx.accounts.byIds([accountId]);
      if (!account) throw new NotFoundError('Account', 'id');
      return tx.accounts.update(accountId, { name, description });
    });
  }
}
