// The sidebar's chat list: each contact's chat (and open secret chat), and each group, most
// recent first, with unread counts; the accessible name of each entry is its visible text.
import { $, el, short } from './dom.js'
import { groupMeta } from './group-words.js'

function conversationOf (state, address, kind = 'normal') {
  let found
  for (const c of state.conversations.values()) {
    if (c.peer === address && c.kind === kind && (kind === 'normal' || c.secretState !== 'closed')) {
      if (found == null || c.lastActivity > found.lastActivity) found = c
    }
  }
  return found
}

export function renderChatList (state, open) {
  const list = $('contact-list')
  list.replaceChildren()
  const entries = []
  for (const contact of state.contacts) {
    entries.push({ contact, conversation: conversationOf(state, contact.address), secret: false })
    const secret = conversationOf(state, contact.address, 'secret')
    if (secret != null) entries.push({ contact, conversation: secret, secret: true })
  }
  for (const conversation of state.conversations.values()) {
    if (conversation.kind === 'group') entries.push({ conversation, group: state.groups.get(conversation.id) })
  }
  entries.sort((a, b) => (b.conversation?.lastActivity ?? 0) - (a.conversation?.lastActivity ?? 0))
  for (const { contact, conversation, secret, group } of entries) {
    if (contact == null) {
      const unread = conversation.unreadCount
      list.append(el('li', {},
        el('button', { type: 'button', 'aria-current': state.current?.id === conversation.id ? 'true' : 'false', 'data-group': conversation.id, onclick: () => { void open(null, conversation) } },
          el('span', {}, el('span', { class: 'name' }, group?.name ?? conversation.title, el('span', { class: 'visually-hidden' }, ',')), el('span', { class: 'meta' }, groupMeta(group, state.me))),
          unread > 0 ? el('span', { class: 'unread' }, String(unread), el('span', { class: 'visually-hidden' }, ' unread')) : null)))
      continue
    }
    const unread = conversation?.unreadCount ?? 0
    const current = state.current != null && conversation != null && state.current.id === conversation.id
    const meta = secret ? `secret chat · ${conversation.secretState}` : contact.verification === 'verified' ? 'verified' : contact.verification === 'changed' ? 'safety number changed!' : short(contact.address)
    // the accessible name is the visible text ("Secret chat with Bob, secret chat · active, 2 unread"):
    // no aria-label that would differ from what sighted users read
    list.append(el('li', {},
      el('button', { type: 'button', 'aria-current': current ? 'true' : 'false', 'data-address': contact.address, onclick: () => { void open(contact, secret ? conversation : undefined) } },
        el('span', {}, el('span', { class: 'name' }, secret ? el('span', { class: 'secret-mark' }, 'Secret chat with ') : null, contact.name, el('span', { class: 'visually-hidden' }, ',')), el('span', { class: 'meta' }, meta)),
        unread > 0 ? el('span', { class: 'unread' }, String(unread), el('span', { class: 'visually-hidden' }, ' unread')) : null)))
  }
  if (entries.length === 0) list.append(el('li', { class: 'notice' }, 'No contacts yet: add one above with their invite link.'))
}
