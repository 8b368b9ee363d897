import type { AbortOptions } from '@libp2p/interface'
import { fromHex } from '../../bytes.js'
import { Content } from '../../wire/content.js'
import type { MessengerContext } from '../context.js'
import type { Dispatcher } from '../delivery/dispatcher.js'
import type { ConversationId, ConversationView } from '../types.js'
import { baseContent } from './content.js'
import type { Conversations } from './conversations.js'
import type { ExpirySweeper } from './expiry.js'
import { decodeBody, toView } from './message-body.js'
import { noticeMessage } from './notices.js'
import { checkTtl } from './timers.js'

/** Conversation-wide actions: read receipts, typing, the disappearing timer, screenshot notices. */
export class ConversationActions {
  constructor (
    private readonly ctx: MessengerContext,
    private readonly conversations: Conversations,
    private readonly dispatcher: Dispatcher,
    private readonly expiry: ExpirySweeper
  ) {}

  async markRead (id: ConversationId, options: AbortOptions = {}): Promise<void> {
    const { store } = this.ctx.components
    const conversation = await this.conversations.require(id, undefined, options)
    const unread = (await store.messages.latest(id, { ...options, limit: 500 })).items.filter((m) => m.direction === 'in' && m.status === 'received')
    const now = this.ctx.now()
    await this.ctx.lock.run(async () => store.transaction(async (tx) => {
      await tx.conversations.markRead(id)
      for (const message of unread) {
        const body = decodeBody(message.content)
        const expiresAt = body.startsOnRead === true && body.ttlMs != null ? now + body.ttlMs : message.expiresAt
        await tx.messages.put({ ...message, status: 'read', expiresAt })
      }
    }, options))
    this.expiry.schedule()
    if (unread.length > 0) {
      // the READ receipt goes to the peer (when read receipts are on) and to my other devices,
      // which mark the same messages read (secret chats live on one device only)
      const toPeer = await store.preferences.readReceipts()
      await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.RECEIPT, this.ctx.now(), {
        receipt: Content.ReceiptType.READ, ids: unread.map((m) => fromHex(m.id))
      }), { includeOwn: conversation.kind === 'normal', ownOnly: !toPeer, signal: options.signal }).catch((err: unknown) => {
        // marked read here either way; only a caller's own abort is reported
        options.signal?.throwIfAborted()
        this.ctx.log('receipts').trace('could not send a read receipt - %e', err)
      })
    }
  }

  async setTyping (id: ConversationId, typing: boolean, options: AbortOptions = {}): Promise<void> {
    const conversation = await this.conversations.require(id, undefined, options)
    await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.TYPING, this.ctx.now(), { flag: typing }), { ephemeral: true, includeOwn: false, signal: options.signal })
  }

  async setDisappearingTimer (id: ConversationId, ttlMs: number | null, options: AbortOptions = {}): Promise<ConversationView> {
    if (ttlMs != null) checkTtl(ttlMs)
    const conversation = await this.conversations.require(id, undefined, options)
    const updated = { ...conversation, disappearingTimerMs: ttlMs }
    const content = baseContent(conversation, Content.Kind.TIMER, this.ctx.now(), { ttlMs: BigInt(ttlMs ?? 0) })
    // a change is a line in the conversation ("You set disappearing messages to 1 hour"), stored
    const notice = (conversation.disappearingTimerMs ?? null) === ttlMs
      ? undefined
      : noticeMessage({ conversationId: id, clock: Number(content.clock), at: Number(content.sentAt), direction: 'out', sender: this.ctx.address, notice: { type: 'timer', ttlMs } })
    await this.dispatcher.dispatch(conversation, content, {
      alsoWrite: async (tx) => {
        await tx.conversations.put(updated)
        if (notice != null) await tx.messages.put(notice)
      },
      signal: options.signal
    })
    const view = await this.conversations.view(updated)
    this.ctx.emit('conversation-updated', { conversation: view })
    if (notice != null) this.ctx.emit('message', { message: toView(notice) })
    return view
  }

  async reportScreenshot (id: ConversationId, options: AbortOptions = {}): Promise<void> {
    const conversation = await this.conversations.require(id, undefined, options)
    await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.SCREENSHOT, this.ctx.now()), { includeOwn: false, signal: options.signal })
  }
}
