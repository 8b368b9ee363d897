import type { AbortOptions } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { toHex } from '../../bytes.js'
import { decodeAddress } from '../../identity/address.js'
import type { Conversation, SecretChat } from '../../store/index.js'
import { Content } from '../../wire/content.js'
import type { MessengerContext } from '../context.js'
import type { Dispatcher } from '../delivery/dispatcher.js'
import type { AccountResolver } from '../directory/account-resolver.js'
import { NotAllowedError, UnknownSenderDeviceError } from '../errors.js'
import type { ConversationId, ConversationView } from '../types.js'
import { shortAddress } from '../contacts/invite.js'
import { baseContent } from './content.js'
import type { Conversations } from './conversations.js'
import { toView } from './message-body.js'
import { allMessageIds } from './normal-conversation.js'
import { noticeMessage } from './notices.js'

/**
 * Secret chats: bound to one peer device, `pending → active → closed` (`incoming → active →
 * closed` on the invited side), never forwarded, wiped on close.
 */
export class SecretChats {
  constructor (
    private readonly ctx: MessengerContext,
    private readonly conversations: Conversations,
    private readonly resolver: AccountResolver,
    private readonly dispatcher: Dispatcher,
    private readonly addContact: (address: string, options: AbortOptions) => Promise<unknown>
  ) {}

  /** Throws unless `conversation` is normal or an active secret chat. */
  async requireActive (conversation: Conversation): Promise<void> {
    if (conversation.kind !== 'secret') return
    const info = await this.ctx.components.store.secretChats.get(conversation.id)
    if (info?.state !== 'active') throw new NotAllowedError(`The secret chat is ${info?.state ?? 'closed'}`)
  }

  async start (address: string, options: AbortOptions & { directOnly?: boolean } = {}): Promise<ConversationView> {
    const { store } = this.ctx.components
    decodeAddress(address)
    const record = await this.resolver.resolve(address, options)
    const device = record.body.devices[0]
    if (device == null) throw new UnknownSenderDeviceError('The contact has no device')
    if ((await store.contacts.get(address)) == null) await this.addContact(address, options)
    const id = toHex(randomBytes(16))
    const now = this.ctx.now()
    const conversation: Conversation = { id, kind: 'secret', members: [address], lastActivity: now, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: now }
    const info: SecretChat = { state: 'pending', directOnly: options.directOnly === true, peerDevice: toHex(device.deviceKey) }
    await store.transaction(async (tx) => {
      await tx.conversations.put(conversation)
      await tx.secretChats.put(id, info)
    }, options)
    await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.SECRET_CONTROL, this.ctx.now(), {
      secretAction: Content.SecretAction.START, directOnly: info.directOnly
    }), { includeOwn: false, signal: options.signal })
    const view = await this.conversations.view(conversation)
    this.ctx.emit('conversation-updated', { conversation: view })
    return view
  }

  async accept (id: ConversationId, options: AbortOptions = {}): Promise<ConversationView> {
    const { store } = this.ctx.components
    const conversation = await this.conversations.require(id, undefined, options)
    const info = await store.secretChats.get(id)
    if (conversation.kind !== 'secret' || info?.state !== 'incoming') throw new NotAllowedError('No incoming secret chat to accept')
    const content = baseContent(conversation, Content.Kind.SECRET_CONTROL, this.ctx.now(), { secretAction: Content.SecretAction.ACCEPT })
    // "You accepted the secret chat": a line kept with the chat (until it is closed and wiped)
    const notice = noticeMessage({ conversationId: id, clock: Number(content.clock), at: Number(content.sentAt), direction: 'out', sender: this.ctx.address, notice: { type: 'secret-accepted' } })
    await this.ctx.lock.run(async () => store.transaction(async (tx) => {
      await tx.secretChats.put(id, { ...info, state: 'active' })
      await tx.messages.put(notice)
      await tx.conversations.recordActivity(id, notice.senderTimestamp, { clock: notice.clock })
    }, options))
    await this.dispatcher.dispatch(conversation, content, { includeOwn: false, signal: options.signal })
    const view = await this.conversations.view(conversation)
    this.ctx.emit('conversation-updated', { conversation: view })
    this.ctx.emit('message', { message: toView(notice) })
    return view
  }

  async close (id: ConversationId, options: AbortOptions = {}): Promise<void> {
    const conversation = await this.conversations.require(id, undefined, options)
    if (conversation.kind !== 'secret') throw new NotAllowedError('Not a secret chat')
    await this.dispatcher.dispatch(conversation, baseContent(conversation, Content.Kind.SECRET_CONTROL, this.ctx.now(), { secretAction: Content.SecretAction.CLOSE }), { includeOwn: false, signal: options.signal }).catch((err: unknown) => {
      // closing never fails for the peer being unreachable: the chat is wiped here anyway
      this.ctx.log('secret-chats').trace('could not tell the peer a secret chat closed - %e', err)
    })
    await this.wipe(conversation)
  }

  /** Deletes a secret chat and its messages; its state stays `closed` so late messages are dropped. */
  async wipe (conversation: Conversation): Promise<void> {
    const { store } = this.ctx.components
    const ids = await allMessageIds(store, conversation.id)
    const info = await store.secretChats.get(conversation.id)
    await this.ctx.lock.run(async () => store.transaction(async (tx) => {
      await tx.conversations.delete(conversation.id)
      await tx.secretChats.put(conversation.id, { ...(info ?? { directOnly: false, peerDevice: '' }), state: 'closed' })
    }))
    if (ids.length > 0) this.ctx.emit('messages-deleted', { conversationId: conversation.id, ids, everywhere: true })
    this.ctx.emit('conversation-updated', {
      conversation: { id: conversation.id, kind: 'secret', peer: conversation.members[0], title: shortAddress(conversation.members[0]), lastActivity: this.ctx.now(), unreadCount: 0, disappearingTimerMs: null, secretState: 'closed', directOnly: info?.directOnly ?? false }
    })
  }
}
