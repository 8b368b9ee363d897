/**
 * The sidebar lists: chats (newest first, with secret and unread badges) and contacts (with
 * verification badges), each with a line of its own when empty.
 */
import type { ContactView, ConversationView, SearchResult } from '../../messenger/types.js'
import { fill, h, shortAddress } from './dom.js'

/** Items of the chat list; `currentId` is the conversation on screen. */
export function renderChatItems (conversations: ConversationView[], currentId: string | undefined, onOpen: (id: string) => void): HTMLLIElement[] {
  if (conversations.length === 0) return [h('li', { class: 'empty' }, 'No chats yet')]
  return conversations.map((c) => h('li', {},
    h('button', {
      type: 'button',
      part: 'chat-item',
      'aria-current': c.id === currentId ? 'true' : false,
      'data-conversation': c.id,
      onclick: () => { onOpen(c.id) }
    },
    h('span', {}, c.title),
    c.kind === 'secret' ? h('span', { class: 'badge secret', title: 'Secret chat' }, c.secretState === 'incoming' ? 'secret · invite' : 'secret') : null,
    c.kind === 'group' ? h('span', { class: 'badge group', title: 'Group' }, 'group') : null,
    c.unreadCount > 0 ? h('span', { class: 'badge', 'aria-label': `${c.unreadCount} unread` }, c.unreadCount) : null)))
}

/** Items of the contact list. */
export function renderContactItems (contacts: ContactView[], onOpen: (address: string) => void): HTMLLIElement[] {
  if (contacts.length === 0) return [h('li', { class: 'empty' }, 'Add someone by their invite link')]
  return contacts.map((c) => h('li', {},
    h('button', {
      type: 'button',
      part: 'contact-item',
      title: c.address,
      'data-address': c.address,
      onclick: () => { onOpen(c.address) }
    },
    h('span', {}, c.name || shortAddress(c.address)),
    c.verification === 'verified' ? h('span', { class: 'badge', title: 'Verified' }, '✓') : null,
    c.verification === 'changed' ? h('span', { class: 'badge secret', title: 'Safety number changed' }, '!') : null)))
}

/** Shows a search's results in `list` (hidden when there is no search). */
export function showSearchResults (list: HTMLUListElement, result: SearchResult | undefined, onOpen: (conversationId: string) => void): void {
  list.hidden = result == null
  fill(list, ...(result == null ? [] : renderSearchItems(result, onOpen)))
}

/** Items of the search results: each hit opens its conversation; a line when nothing matched. */
export function renderSearchItems (result: SearchResult, onOpen: (conversationId: string) => void): HTMLLIElement[] {
  if (result.hits.length === 0) return [h('li', { class: 'empty' }, 'No messages found')]
  const items = result.hits.map(({ message, conversationTitle }) => h('li', {},
    h('button', { type: 'button', part: 'search-item', 'data-conversation': message.conversationId, 'data-id': message.id, onclick: () => { onOpen(message.conversationId) } },
      h('span', {}, `${message.direction === 'out' ? 'You' : conversationTitle}: ${message.text ?? ''}`),
      h('span', { class: 'badge' }, conversationTitle))))
  if (!result.complete) items.push(h('li', { class: 'empty' }, 'More may match: narrow the search'))
  return items
}
