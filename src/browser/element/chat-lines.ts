/**
 * The chat lines `<parley-chat>` shows for changes no stored message records (a secret chat
 * ended: it is wiped), per conversation, the last 50 each. Timer changes and a secret chat
 * accepted are stored notices, shown with the messages.
 */
import type { ConversationView } from '../../messenger/types.js'
import { changeLines, type ChatLine } from './render-message.js'

export class ChatLines {
  readonly #lines = new Map<string, ChatLine[]>()
  /** Last known view of each conversation: to tell what a `conversation-updated` changed. */
  readonly #known = new Map<string, ConversationView>()

  of (conversationId: string): ChatLine[] {
    return this.#lines.get(conversationId) ?? []
  }

  /** Adds a line of the element's own (a contact's devices changed, …), now. */
  add (conversationId: string, text: string): void {
    this.#lines.set(conversationId, [...this.of(conversationId), { at: Date.now(), text }].slice(-50))
  }

  /** Remembers a conversation's view (listed), without a line. */
  know (c: ConversationView): void {
    if (!this.#known.has(c.id)) this.#known.set(c.id, c)
  }

  /** Adds a chat line for what a `conversation-updated` changed that no message says. */
  note (next: ConversationView): void {
    const before = this.#known.get(next.id)
    this.#known.set(next.id, next)
    if (before == null) return
    for (const line of changeLines(before, next, Date.now())) {
      const lines = this.#lines.get(next.id) ?? []
      lines.push(line)
      this.#lines.set(next.id, lines.slice(-50))
    }
  }
}
