import { equalBytes } from '@noble/ciphers/utils.js'
import { fromHex, toHex } from '../../bytes.js'
import { encodeAddress } from '../../identity/address.js'
import type { Conversation } from '../../store/index.js'
import { Content } from '../../wire/content.js'
import { RESEND_WINDOW, SESSION_RESET_INTERVAL_MS, SESSION_RESET_MEMORY } from '../constants.js'
import type { MessengerContext } from '../context.js'
import { baseContent } from '../conversations/content.js'
import type { Conversations } from '../conversations/conversations.js'
import { decodeBody } from '../conversations/message-body.js'
import type { Dispatcher } from '../delivery/dispatcher.js'
import type { AccountResolver } from '../directory/account-resolver.js'

/** Recovering from a lost session: asking the sender for a new one, and re-sending what was not delivered. */
export class SessionResets {
  private readonly asked = new Map<string, number>()

  constructor (
    private readonly ctx: MessengerContext,
    private readonly conversations: Conversations,
    private readonly resolver: AccountResolver,
    private readonly dispatcher: Dispatcher
  ) {}

  /**
   * A sender's message could not be decrypted on any session we have: start a fresh session
   * to that device (its prekey message replaces the sender's broken state) carrying a
   * SESSION_RESET, so the sender re-sends what it has not seen delivered. At most once a minute
   * per device.
   */
  async request (sender: { accountKey: Uint8Array, deviceKey: Uint8Array }): Promise<void> {
    const key = toHex(sender.deviceKey)
    const now = this.ctx.now()
    if (now - (this.asked.get(key) ?? 0) < SESSION_RESET_INTERVAL_MS) return
    this.asked.set(key, now)
    if (this.asked.size > SESSION_RESET_MEMORY) this.asked.delete(this.asked.keys().next().value as string)
    const address = encodeAddress(sender.accountKey)
    const record = await this.resolver.resolve(address)
    const device = record.body.devices.find((d) => equalBytes(d.deviceKey, sender.deviceKey))
    if (device == null || address === this.ctx.address) return
    const conversation = await this.ctx.lock.run(async () => this.conversations.normal(address))
    await this.ctx.lock.run(async () => this.ctx.components.sessions.reset(sender.deviceKey))
    await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.SESSION_RESET, this.ctx.now()), { only: [{ address, device, sync: false }] })
  }

  /** Forgets the session with a device (it lost ours): the next message starts a new handshake. */
  async forget (deviceHex: string): Promise<void> {
    await this.ctx.lock.run(async () => this.ctx.components.sessions.reset(fromHex(deviceHex)))
  }

  /** Re-sends outgoing texts of a conversation that were not confirmed delivered (same ids: receivers dedupe). */
  async resendUndelivered (conversation: Conversation): Promise<void> {
    const recent = (await this.ctx.components.store.messages.latest(conversation.id, { limit: RESEND_WINDOW })).items
      .filter((m) => m.direction === 'out' && (m.status === 'queued' || m.status === 'sent' || m.status === 'stored' || m.status === 'failed'))
      .reverse()
    for (const message of recent) {
      const body = decodeBody(message.content)
      if (body.kind !== 'text' || body.text == null) continue
      const content = baseContent(conversation, Content.Kind.TEXT, this.ctx.now(), {
        messageId: fromHex(message.id), sentAt: BigInt(message.senderTimestamp), clock: BigInt(message.clock), text: body.text,
        ttlMs: BigInt(body.ttlMs ?? 0), ...(body.replyTo != null ? { targetId: fromHex(body.replyTo) } : {})
      })
      await this.dispatcher.dispatch(conversation, content, { includeOwn: false })
    }
  }
}
