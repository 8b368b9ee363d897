import { decodeAddress } from '../../identity/address.js'
import { newConversationId, type Conversation, type StoreOptions, type StoreRepos } from '../../store/index.js'
import { shortAddress } from '../contacts/invite.js'

/**
 * The normal conversation with `address`, created (and the contact added) on first use, through
 * `repos` (the store, or a transaction). Indexed by peer in `peerConversations`.
 */
export async function normalConversation (repos: Pick<StoreRepos, 'contacts' | 'conversations' | 'peerConversations'>, address: string, now: number, options: StoreOptions = {}): Promise<Conversation> {
  decodeAddress(address)
  const known = await repos.peerConversations.get(address)
  if (known != null) {
    const conversation = await repos.conversations.get(known)
    if (conversation != null) return conversation
  }
  if ((await repos.contacts.get(address)) == null) {
    await repos.contacts.put({ accountId: address, name: shortAddress(address), identityKey: new Uint8Array(0), verification: 'unverified', keyHistory: [], blocked: false, addedAt: now })
  }
  const conversation: Conversation = {
    id: newConversationId(), kind: 'normal', members: [address], lastActivity: now, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: now
  }
  await repos.conversations.put(conversation, options)
  await repos.peerConversations.put(address, conversation.id)
  return conversation
}

/** Every message id of a conversation (newest first), page by page. */
export async function allMessageIds (repos: Pick<StoreRepos, 'messages'>, id: string, options: StoreOptions = {}): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | undefined
  do {
    const page = await repos.messages.latest(id, { ...options, limit: 500, cursor })
    ids.push(...page.items.map((m) => m.id))
    cursor = page.cursor
  } while (cursor != null)
  return ids
}
