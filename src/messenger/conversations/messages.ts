import type { AbortOptions } from '@libp2p/interface'
import { fromHex, toHex } from '../../bytes.js'
import type { Message, StoreTransaction } from '../../store/index.js'
import { Content } from '../../wire/content.js'
import { MAX_EMOJI_LENGTH, MAX_IDS_PER_CONTENT, MAX_TEXT_LENGTH } from '../constants.js'
import type { MessengerContext } from '../context.js'
import type { Dispatcher } from '../delivery/dispatcher.js'
import { nextOutboxOrder } from '../delivery/outbox-order.js'
import { InvalidArgumentError, MessageNotFoundError, NotAllowedError, NotForwardableError } from '../errors.js'
import type { ConversationId, MessageView, SendOptions } from '../types.js'
import { baseContent } from './content.js'
import type { Conversations } from './conversations.js'
import type { ExpirySweeper } from './expiry.js'
import { decodeBody, editBody, encodeBody, reactBody, toView, updateBody, type MessageBody } from './message-body.js'
import { allMessageIds } from './normal-conversation.js'
import type { SecretChats } from './secret-chats.js'
import { checkCanSend } from './send-checks.js'
import { VerifiedRecords } from '../directory/verified-records.js'
import { checkTtl } from './timers.js'

/** Writing messages: send, edit, react, delete (here or for everyone), clear, forward. */
export class Messages {
  /** Stored account records of peers, verified once per copy (the send check reads them at every send). */
  private readonly records = new VerifiedRecords()

  constructor (
    private readonly ctx: MessengerContext,
    private readonly conversations: Conversations,
    private readonly secretChats: SecretChats,
    private readonly dispatcher: Dispatcher,
    private readonly expiry: ExpirySweeper,
    private readonly kick: () => void
  ) {}

  /** Resolves when the `sendText` called before the latest one has stored its text (or failed). */
  private previousSend: Promise<void> = Promise.resolve()

  async sendText (id: ConversationId, text: string, options: SendOptions = {}): Promise<MessageView> {
    if (text.length === 0 || text.length > MAX_TEXT_LENGTH) throw new InvalidArgumentError(`Text must be 1 to ${MAX_TEXT_LENGTH} characters`)
    // sends in flight together (pipelined) store their texts in the order they were called: the
    // checks below run concurrently, but each takes the lock only after the one called before it
    const previous = this.previousSend
    let done!: () => void
    this.previousSend = new Promise<void>((resolve) => { done = resolve })
    try {
      return await this.storeText(id, text, options, previous)
    } finally {
      void previous.then(done)
    }
  }

  private async storeText (id: ConversationId, text: string, options: SendOptions, previous: Promise<void>): Promise<MessageView> {
    const { store } = this.ctx.components
    const conversation = await this.conversations.require(id, undefined, options)
    await this.secretChats.requireActive(conversation)
    await checkCanSend(this.ctx, conversation, options, this.records)
    const ttl = options.ttlMs ?? conversation.disappearingTimerMs ?? 0
    if (ttl !== 0) checkTtl(ttl)
    const secret = conversation.kind === 'secret'
    const body: MessageBody = {
      kind: 'text', text, reactions: {}, forwardable: !secret,
      ...(options.replyTo != null ? { replyTo: options.replyTo } : {}),
      ...(ttl > 0 ? { ttlMs: ttl, startsOnRead: secret } : {})
    }
    let message!: Message
    await previous
    // stored and shown at once: sealing needs the recipients' account records (a DHT lookup that
    // can take seconds, or fail while offline), so the outbox seals it; until then it is queued,
    // and a failed attempt's reason reaches the message as `lastError`. The clock is taken under
    // the lock, from the conversation as the previous send left it: sends started together
    // (pipelined) get consecutive clocks in the order they were called, so they keep it everywhere
    await this.ctx.lock.run(async () => store.transaction(async (tx) => {
      const current = await tx.conversations.get(id, options) ?? conversation
      const content = baseContent(current, Content.Kind.TEXT, this.ctx.now(), {
        text, ttlMs: BigInt(ttl), ...(options.replyTo != null ? { targetId: fromHex(options.replyTo) } : {})
      })
      const sentAt = Number(content.sentAt)
      message = {
        id: toHex(content.messageId),
        conversationId: id,
        clock: Number(content.clock),
        senderTimestamp: sentAt,
        direction: 'out',
        sender: this.ctx.address,
        content: encodeBody(body),
        status: 'queued',
        expiresAt: ttl > 0 && !secret ? sentAt + ttl : null
      }
      await tx.messages.put(message)
      await tx.conversations.recordActivity(id, sentAt, { clock: message.clock })
      await tx.outbox.put({
        id: `pending-${message.id}`, envelope: Content.encode(content), targets: [], target: { kind: 'pending', conversationId: id },
        attempts: 0, nextAttemptAt: 0, createdAt: this.ctx.now(), order: nextOutboxOrder(), messageId: message.id, lastError: null
      })
    }, options))
    this.kick()
    const view = toView(message)
    this.ctx.emit('message', { message: view })
    this.ctx.emit('delivery', { conversationId: id, messageId: message.id, state: 'queued' })
    // only a disappearing message adds an expiry (the sweeper's timer rearms itself otherwise)
    if (message.expiresAt != null) this.expiry.schedule()
    return view
  }

  private async requireMessage (id: ConversationId, messageId: string, options: AbortOptions): Promise<Message> {
    const message = await this.ctx.components.store.messages.get(messageId, options)
    if (message == null || message.conversationId !== id) throw new MessageNotFoundError(messageId)
    return message
  }

  async edit (id: ConversationId, messageId: string, text: string, options: AbortOptions = {}): Promise<MessageView> {
    if (text.length === 0 || text.length > MAX_TEXT_LENGTH) throw new InvalidArgumentError('Bad text length')
    const conversation = await this.conversations.require(id, undefined, options)
    const message = await this.requireMessage(id, messageId, options)
    if (message.sender !== this.ctx.address) throw new NotAllowedError('Only the sender can edit a message')
    let updated: Message | undefined
    await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.EDIT, this.ctx.now(), { targetId: fromHex(messageId), text }), {
      alsoWrite: async (tx) => { updated = await updateBody(tx, messageId, (b) => editBody(b, text)) },
      signal: options.signal
    })
    const view = toView(updated ?? message)
    this.ctx.emit('message-updated', { message: view })
    return view
  }

  async react (id: ConversationId, messageId: string, emoji: string, options: AbortOptions = {}): Promise<MessageView> {
    if (emoji.length === 0 || emoji.length > MAX_EMOJI_LENGTH) throw new InvalidArgumentError('Bad emoji')
    const conversation = await this.conversations.require(id, undefined, options)
    const message = await this.requireMessage(id, messageId, options)
    let updated: Message | undefined
    await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.REACTION, this.ctx.now(), { targetId: fromHex(messageId), emoji }), {
      alsoWrite: async (tx) => { updated = await updateBody(tx, messageId, (b) => reactBody(b, emoji, this.ctx.address)) },
      signal: options.signal
    })
    const view = toView(updated ?? message)
    this.ctx.emit('message-updated', { message: view })
    return view
  }

  async deleteMessages (id: ConversationId, ids: string[], options: AbortOptions & { forEveryone?: boolean } = {}): Promise<void> {
    if (ids.length === 0 || ids.length > MAX_IDS_PER_CONTENT) throw new InvalidArgumentError('Delete 1 to 500 messages at a time')
    // either participant may delete any message of the conversation, on both sides (PROTOCOL.md §6)
    const conversation = await this.conversations.require(id, undefined, options)
    const deleteLocal = async (tx: StoreTransaction): Promise<void> => {
      for (const messageId of ids) {
        const message = await tx.messages.get(messageId)
        if (message?.conversationId === id) await tx.messages.delete(messageId)
      }
    }
    if (options.forEveryone === true) {
      await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.DELETE, this.ctx.now(), { ids: ids.map(fromHex) }), { alsoWrite: deleteLocal, signal: options.signal })
    } else {
      await this.ctx.lock.run(async () => this.ctx.components.store.transaction(deleteLocal, options))
    }
    this.ctx.emit('messages-deleted', { conversationId: id, ids, everywhere: options.forEveryone === true })
  }

  async clearConversation (id: ConversationId, options: AbortOptions & { forEveryone?: boolean } = {}): Promise<void> {
    const conversation = await this.conversations.require(id, undefined, options)
    const ids = await allMessageIds(this.ctx.components.store, id, options)
    const clear = async (tx: StoreTransaction): Promise<void> => {
      for (const messageId of ids) await tx.messages.delete(messageId)
    }
    if (options.forEveryone === true) {
      await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.DELETE, this.ctx.now(), { flag: true }), { alsoWrite: clear, signal: options.signal })
    } else {
      await this.ctx.lock.run(async () => this.ctx.components.store.transaction(clear, options))
    }
    if (ids.length > 0) this.ctx.emit('messages-deleted', { conversationId: id, ids, everywhere: options.forEveryone === true })
  }

  async forward (messageId: string, from: ConversationId, to: ConversationId, options: AbortOptions = {}): Promise<MessageView> {
    const source = await this.conversations.require(from, undefined, options)
    const message = await this.requireMessage(from, messageId, options)
    const body = decodeBody(message.content)
    if (source.kind === 'secret' || !body.forwardable) throw new NotForwardableError()
    if (body.text == null) throw new NotAllowedError('Only text messages can be forwarded')
    return this.sendText(to, body.text, options)
  }
}
