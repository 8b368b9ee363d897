import type { AbortOptions } from '@libp2p/interface'
import type { Conversation, StoreTransaction } from '../../store/index.js'
import type { MessengerContext } from '../context.js'
import { ConversationNotFoundError } from '../errors.js'
import type { ConversationId, ConversationView, MessageView, Page } from '../types.js'
import { conversationView } from './conversation-view.js'
import { toView } from './message-body.js'
import { normalConversation } from './normal-conversation.js'

/** Listing and opening conversations, and their message pages. */
export class Conversations {
  constructor (private readonly ctx: MessengerContext) {}

  async require (id: string, tx?: StoreTransaction, options: AbortOptions = {}): Promise<Conversation> {
    const conversation = await (tx ?? this.ctx.components.store).conversations.get(id, options)
    if (conversation == null) throw new ConversationNotFoundError(id)
    return conversation
  }

  async view (conversation: Conversation, tx?: StoreTransaction): Promise<ConversationView> {
    return conversationView(tx ?? this.ctx.components.store, conversation)
  }

  async list (options: AbortOptions & { limit?: number, cursor?: string } = {}): Promise<Page<ConversationView>> {
    const page = await this.ctx.components.store.conversations.byActivity(options)
    return { items: await Promise.all(page.items.map(async (c) => this.view(c))), ...(page.cursor != null ? { cursor: page.cursor } : {}) }
  }

  async get (id: ConversationId, options: AbortOptions = {}): Promise<ConversationView> {
    return this.view(await this.require(id, undefined, options))
  }

  /** The normal conversation with `address` (created, and the contact added, on first use). */
  async with (address: string, options: AbortOptions = {}): Promise<ConversationView> {
    return this.view(await this.ctx.lock.run(async () => this.normal(address, options)))
  }

  /** The normal conversation with `address` (call under the lock). */
  async normal (address: string, options: AbortOptions = {}, tx?: StoreTransaction): Promise<Conversation> {
    return normalConversation(tx ?? this.ctx.components.store, address, this.ctx.now(), options)
  }

  async messages (id: ConversationId, options: AbortOptions & { limit?: number, cursor?: string } = {}): Promise<Page<MessageView>> {
    await this.require(id, undefined, options)
    const page = await this.ctx.components.store.messages.latest(id, options)
    return { items: page.items.map(toView), ...(page.cursor != null ? { cursor: page.cursor } : {}) }
  }
}
