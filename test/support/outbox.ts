// A message sender that keeps what it is given, for tests of what keygraph sends (invitations).
import type { MessageSender, OutgoingMessage } from '../../src/domain/machine/outbox.js';

export interface CapturingSender extends MessageSender {
  messages: OutgoingMessage[];
  /** The invitation token in the last message to `email` (from its accept link). */
  tokenFor(email: string): string;
}

export function capturingSender(): CapturingSender {
  const messages: OutgoingMessage[] = [];
  return {
    messages,
    send: async (message) => {
      messages.push(message);
    },
    tokenFor(email) {
      const message = [...messages].reverse().find((m) => m.to === email.toLowerCase());
      const token = message?.link ? /token=([^&]+)/.exec(message.link)?.[1] : undefined;
      if (!token) throw new Error(`no invitation message to ${email} (messages: ${messages.map((m) => m.to).join(', ')})`);
      return token;
    },
  };
}
