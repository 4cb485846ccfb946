// The transactional outbox: a message is written in the same transaction as what it announces (so an
// invitation is never created without its message, nor a message sent for a rolled-back invitation), then
// delivered after commit by a pluggable sender. Payloads are sealed (encrypted): a link with a secret in it
// never reaches the database in clear. Failures stay queued with their error and are retried with
// exponential backoff (30 s doubling, at most an hour apart). Several instances may share one outbox: each
// message is claimed (an atomic lease) before it is sent, so it is sent by one of them, once - unless a
// sender dies between sending and recording it, when the lease runs out and it is sent again.
import type { Sealer } from '../crypto.js';
import type { OutboxMessage, Store } from '../store.js';

export interface OutgoingMessage {
  kind: string;
  to: string;
  subject: string;
  text: string;
  /** The link the message is about (e.g. an invitation's accept link). */
  link: string | null;
  locale: string | null;
}

/** Delivers messages (email, a queue, the log...). Throwing leaves the message queued for a retry. */
export interface MessageSender {
  send(message: OutgoingMessage): Promise<void>;
}

const aad = (kind: string, recipient: string) => `outbox:${kind}:${recipient}`;

/** How many messages a pass reads at a time. */
const BATCH = 100;

/** How long a claim keeps other senders off a message: longer than any one delivery should take. */
export const CLAIM_LEASE_MS = 5 * 60_000;

/** After the n-th failed attempt (from 0), wait 30 s x 2^n, at most an hour. */
export function retryDelayMs(failedAttempts: number): number {
  return Math.min(30_000 * 2 ** Math.min(failedAttempts, 20), 3_600_000);
}

export class OutboxDispatcher {
  /** Passes run one after another; each flush() gets a pass that starts after the call. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly sealer: Sealer,
    private readonly sender: MessageSender,
    private readonly onError: (error: unknown, message: OutboxMessage | null) => void = () => undefined,
  ) {}

  /** Queues a message in the caller's transaction. */
  async enqueue(tx: Store, message: OutgoingMessage): Promise<void> {
    await tx.outbox.enqueue({ kind: message.kind, recipient: message.to, payload: this.sealer.seal(JSON.stringify(message), aad(message.kind, message.to)) });
  }

  /** Delivers what is pending; resolves to how many were delivered. One pass at a time per process. */
  flush(): Promise<number> {
    const pass = this.tail.then(() => this.deliver());
    this.tail = pass.catch(() => undefined);
    return pass;
  }

  /** Starts a flush in the background (after a commit). */
  kick(): void {
    this.flush().catch((error: unknown) => this.onError(error, null));
  }

  /**
   * One attempt at every pending message, oldest first, in batches. Messages that failed in this pass stay
   * pending (and first in line), so each batch asks for that many more: however many keep failing, the
   * messages behind them are still reached.
   */
  private async deliver(): Promise<number> {
    let delivered = 0;
    const tried = new Set<string>();
    for (;;) {
      const batch = (await this.store.outbox.pending(BATCH + tried.size, new Date())).filter((message) => !tried.has(message.id));
      if (batch.length === 0) return delivered;
      for (const message of batch) {
        tried.add(message.id);
        const now = new Date();
        // Another instance may have it: then it is theirs to send.
        if (!(await this.store.outbox.claim(message.id, now, new Date(now.getTime() + CLAIM_LEASE_MS)))) continue;
        try {
          const content = JSON.parse(this.sealer.open(message.payload, aad(message.kind, message.recipient))) as OutgoingMessage;
          await this.sender.send(content);
          await this.store.outbox.markDelivered(message.id, new Date());
          delivered++;
        } catch (error) {
          this.onError(error, message);
          const retryAt = new Date(Date.now() + retryDelayMs(message.attempts));
          await this.store.outbox.markFailed(message.id, error instanceof Error ? error.message : String(error), retryAt);
        }
      }
    }
  }
}
