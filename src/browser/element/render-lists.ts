/**
 * The sidebar lists: chats (newest first, with secret and unread badges) and contacts (with
 * verification badges), each with a line of its own when empty.
 */
import type { ContactView, ConversationView } from '../../messenger/types.js'
import { h, shortAddress } from './dom.js'

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
