// Emails are claims until proven. A user's email becomes verified only by the person who owns the
// address: accepting an invitation sent to it, following a link sent to it, or signing in through a
// trusted issuer whose token says `email_verified: true`.
//
// When such a proof meets a user whose email was never proven (an administrator typed the address),
// the address's owner takes the user over, and whoever held it before keeps nothing of theirs:
// - the password is dropped, every session ends, the user's API keys are revoked and any other
//   external identity is unlinked (they were the previous holder's ways in);
// - the user's account memberships, grants and roles stay: they were given to the address, which the
//   person has now proven; the accounts are told, so that they can act if they meant someone else.
import type { OutboxDispatcher } from '../machine/outbox.js';
import type { User } from '../model.js';
import type { Store } from '../store.js';

export interface ProvenBy {
  /** How the address was proven, for the notice: e.g. "signed in through https://idp.example". */
  how: string;
  /** The external identity that proved it, which stays linked. */
  identity?: { issuer: string; subject: string } | null;
}

export interface ClaimOutcome {
  /** True when the user had an unproven email and what only its previous holder had was dropped. */
  reset: boolean;
}

/**
 * Records in `tx` that the person owns `user.email`. On an unverified user it resets what the previous
 * holder had (see above) and queues a notice to the owners of each account the user belongs to.
 */
export async function proveEmail(tx: Store, outbox: OutboxDispatcher, user: User, by: ProvenBy, now = new Date()): Promise<ClaimOutcome> {
  if (user.emailVerifiedAt !== null) return { reset: false };
  await tx.users.update(user.id, { passwordHash: null, emailVerifiedAt: now });
  await tx.sessions.revokeAllOfUser(user.id);
  await tx.identities.unlinkAllOf(user.id, by.identity ?? null);
  await tx.apiKeys.revokeAllCreatedBy(user.id, now);
  const accounts = (await tx.users.accountsOf([user.id])).get(user.id) ?? [];
  if (accounts.length > 0) {
    const owners = (await tx.grants.activeSubjectsOfKind('ACCOUNT_OWNER')).filter((o) => o.subjectType === 'USER' && accounts.includes(o.accountId) && o.subjectId !== user.id);
    const ownerUsers = await tx.users.byIds([...new Set(owners.map((o) => o.subjectId))]);
    const names = new Map((await tx.accounts.byIds(accounts)).filter((a) => a !== null).map((a) => [a!.id, a!.name]));
    for (const owner of owners) {
      const to = ownerUsers.find((u) => u?.id === owner.subjectId);
      if (!to) continue;
      await outbox.enqueue(tx, {
        kind: 'email-claimed',
        to: to.email,
        subject: `${user.email} was claimed by the owner of that address`,
        text: [
          `The user ${user.email} of ${names.get(owner.accountId) ?? 'your account'} had an email address nobody had proven.`,
          `The owner of that address has now proven it (${by.how}) and taken the user over.`,
          'Its password, sessions, API keys and other sign-in links were dropped; its memberships and grants in your account stay.',
          'If you meant someone else, remove the user from your account.',
        ].join('\n'),
        link: null,
        locale: null,
      });
    }
  }
  return { reset: true };
}
