/**
 * The chat lines `<parley-chat>` shows for changes that arrive as conversation updates (a timer
 * changed, a secret chat accepted or ended), per conversation, the last 50 each.
 */
import type { ConversationView } from '../../messenger/types.js'
import { changeLines, type ChatLine } from './render-message.js'

export class ChatLines {
  readonly #lines = new Map<string, ChatLine[]>()
  /** Last known view of each conversation: to tell what a `conversation-updated` changed. */
  readonly #known = new Map<string, ConversationView>()
  /** Timer values this element asked for, per conversation: "You set…" rather than "<peer> set…". */
  readonly #ownTimer = new Map<string, number | null>()

  of (conversationId: string): ChatLine[] {
    return this.#lines.get(conversationId) ?? []
  }

  /** Remembers a conversation's view (listed), without a line. */
  know (c: ConversationView): void {
    if (!this.#known.has(c.id)) this.#known.set(c.id, c)
  }

  /** This element asked for `ttl` in this conversation: the change it brings says "You". */
  ownTimer (conversationId: string, ttl: number | null): void {
    this.#ownTimer.set(conversationId, ttl)
  }

  /** Adds a chat line for what a `conversation-updated` changed: the timer, a secret chat's state. */
  note (next: ConversationView): void {
    const before = this.#known.get(next.id)
    this.#known.set(next.id, next)
    if (before == null) return
    const own = this.#ownTimer.has(next.id) && this.#ownTimer.get(next.id) === (next.disappearingTimerMs ?? null)
    if ((before.disappearingTimerMs ?? null) !== (next.disappearingTimerMs ?? null)) this.#ownTimer.delete(next.id)
    for (const line of changeLines(before, next, own, Date.now())) {
      const lines = this.#lines.get(next.id) ?? []
      lines.push(line)
      this.#lines.set(next.id, lines.slice(-50))
    }
  }
}
