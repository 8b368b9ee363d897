import type { Conversation, StoreRepos } from '../../store/index.js'
import { shortAddress } from '../contacts/invite.js'
import type { ConversationView } from '../types.js'

/** The view of a conversation, read through `repos` (the store, or a transaction to see its own writes). */
export async function conversationView (repos: Pick<StoreRepos, 'contacts' | 'secretChats' | 'groups'>, conversation: Conversation): Promise<ConversationView> {
  if (conversation.kind === 'group') {
    // a group: no one peer; its title is the group's name
    const group = await repos.groups.get(conversation.id)
    return { id: conversation.id, kind: 'group', peer: '', title: group?.name ?? '', lastActivity: conversation.lastActivity, unreadCount: conversation.unreadCount, disappearingTimerMs: conversation.disappearingTimerMs }
  }
  const peer = conversation.members[0]
  const contact = await repos.contacts.get(peer)
  const view: ConversationView = {
    id: conversation.id,
    kind: conversation.kind,
    peer,
    title: contact?.name ?? shortAddress(peer),
    lastActivity: conversation.lastActivity,
    unreadCount: conversation.unreadCount,
    disappearingTimerMs: conversation.disappearingTimerMs
  }
  if (conversation.kind === 'secret') {
    const info = await repos.secretChats.get(conversation.id)
    view.secretState = info?.state ?? 'closed'
    view.directOnly = info?.directOnly ?? false
  }
  return view
}
