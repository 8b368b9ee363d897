import type { AbortOptions } from '@libp2p/interface'
import { FAR_FUTURE_MS, MAX_EXPIRY_DELAY_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'

/** Disappearing messages: one timer for the next expiry; a sweep deletes what is due. */
export class ExpirySweeper {
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor (private readonly ctx: MessengerContext) {}

  /** A look at the next expiry is running; `again`: another was asked for meanwhile. */
  private scheduling = false
  private again = false

  /**
   * (Re)arms the timer for the next expiry (at most a minute away). Calls while one look is
   * running are coalesced into one more look after it (a burst of received messages reads the
   * expiry index twice, not once per message).
   */
  schedule (): void {
    if (!this.ctx.running) return
    if (this.scheduling) { this.again = true; return }
    this.scheduling = true
    void (async () => {
      try {
        const next = (await this.ctx.components.store.expiry.before(FAR_FUTURE_MS, { limit: 1 })).items[0]
        clearTimeout(this.timer)
        if (next == null) return
        const delay = Math.max(0, Math.min(next.expiresAt - this.ctx.now(), MAX_EXPIRY_DELAY_MS))
        this.timer = setTimeout(() => {
          this.sweep().catch((err: unknown) => { this.ctx.log('expiry').error('expiry sweep failed - %e', err) })
        }, delay)
        ;(this.timer as { unref?: () => void }).unref?.()
      } catch (err) {
        this.ctx.log('expiry').trace('could not schedule the next expiry (stopping?) - %e', err)
      } finally {
        this.scheduling = false
        if (this.again) { this.again = false; this.schedule() }
      }
    })()
  }

  stop (): void {
    clearTimeout(this.timer)
  }

  /** Deletes every message whose time has come (also on start: a device offline at expiry deletes then). */
  async sweep (options: AbortOptions = {}): Promise<number> {
    const { store } = this.ctx.components
    const now = this.ctx.now()
    const due = await store.expiry.before(now + 1, { ...options, limit: 500 })
    if (due.items.length === 0) { this.schedule(); return 0 }
    const purged = await this.ctx.lock.run(async () => store.expiry.purge(now + 1, { ...options, limit: 500 }))
    const byConversation = new Map<string, string[]>()
    for (const item of due.items) byConversation.set(item.conversationId, [...(byConversation.get(item.conversationId) ?? []), item.messageId])
    for (const [conversationId, ids] of byConversation) this.ctx.emit('messages-deleted', { conversationId, ids, everywhere: true })
    this.schedule()
    return purged
  }
}
