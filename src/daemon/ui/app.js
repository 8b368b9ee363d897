// Parley's local web UI: contacts and groups with unread counts, a live conversation, ticks,
// timers, secret chats, delete for both, safety-number verification, and channels
// (channels.js). No framework, no CDN.
import { api, ApiError, loginFromHash, seg, subscribe } from './api.js'
import { setupChannels } from './channels.js'
import { $, el, short, timeOf } from './dom.js'
import { groupMeta, membershipLines } from './group-words.js'
import { setupGroups } from './groups.js'
import { reasonInWords, renderReachability, waitingText } from './reachability.js'
import { onProgress, renderAttachment, settleUpload } from './attachments.js'
import { openPicture, setupFileComposer } from './file-composer.js'

const state = {
  me: '',
  /** group id → GroupView */
  groups: new Map(),
  /** The disappearing-timer change in flight, if any: a send waits for it. */
  timerChange: Promise.resolve(),
  contacts: [],
  /** conversation id → ConversationView */
  conversations: new Map(),
  /** the open conversation */
  current: null,
  /** message id → <li> of the open conversation */
  rendered: new Map(),
  typingTimer: undefined,
  lastTypingSent: 0,
  /** the daemon's ReachabilityView: the header's network line, and why queued messages wait */
  reachability: undefined
}

// delivered and read differ in shape (read: a filled pill with the word) as well as colour;
// the first hop is said in words: "direct" (sent to their device) or "via relay" (stored there)
const TICKS = { queued: '…', sent: '✓ direct', stored: '✓ via relay', delivered: '✓✓', read: '✓✓ read', failed: '⚠ not delivered' }
const TICK_LABEL = { queued: 'Queued', sent: 'Sent', stored: 'Stored at relay', delivered: 'Delivered', read: 'Read', failed: 'Failed' }
/** Why a message failed, from `delivery` events (message views carry no reason). */
const failures = new Map()
/** Delivered and read keep the first hop in words: "✓✓ via relay". */
function tickText (status, route) { return TICKS[status] == null ? '' : `${TICKS[status]}${(status === 'delivered' || status === 'read') && route != null ? (route === 'relay' ? ' via relay' : ' direct') : ''}` }
function tickLabel (status, id, lastError) { return status === 'failed' ? `Failed: ${failures.get(id) ?? (lastError != null ? reasonInWords(lastError) : 'not delivered')}` : TICK_LABEL[status] ?? status }

function left (ms) {
  const s = Math.max(0, Math.round((ms - Date.now()) / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.round(s / 60)}m`
  if (s < 86400) return `${Math.round(s / 3600)}h`
  return `${Math.round(s / 86400)}d`
}

function showLogin (message) {
  $('app').hidden = true
  $('login-screen').hidden = false
  $('login-message').textContent = message
}

async function guard (fn) {
  try { return await fn() } catch (err) {
    if (err instanceof ApiError && err.status === 401) showLogin('Your session has ended.')
    else showBanner(err.message)
    throw err
  }
}

function showBanner (text) {
  const banner = $('banner')
  banner.textContent = text
  banner.hidden = text === ''
}

// ---------------------------------------------------------------- contact list

function conversationOf (address, kind = 'normal') {
  let found
  for (const c of state.conversations.values()) {
    if (c.peer === address && c.kind === kind && (kind === 'normal' || c.secretState !== 'closed')) {
      if (found == null || c.lastActivity > found.lastActivity) found = c
    }
  }
  return found
}

function renderContacts () {
  const list = $('contact-list')
  list.replaceChildren()
  const entries = []
  for (const contact of state.contacts) {
    entries.push({ contact, conversation: conversationOf(contact.address), secret: false })
    const secret = conversationOf(contact.address, 'secret')
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

let loads = 0
async function loadContacts () {
  const generation = ++loads
  const [{ items: contacts }, page, { items: groups }] = await Promise.all([api('GET', '/v1/contacts'), api('GET', '/v1/conversations?limit=500'), api('GET', '/v1/groups')])
  if (generation !== loads) return // a newer load is under way: its answer wins
  state.contacts = contacts
  state.groups = new Map(groups.map((g) => [g.id, g]))
  state.conversations = new Map(page.items.map((c) => [c.id, c]))
  const open = state.current != null ? state.conversations.get(state.current.id) : undefined
  if (open != null) {
    // the open conversation is being read: a count fetched before our read receipt is stale
    if (!document.hidden) open.unreadCount = 0
    state.current = open
  }
  renderContacts()
}

// ---------------------------------------------------------------- conversation

function contactFor (address) {
  return state.contacts.find((c) => c.address === address) ?? { address, name: short(address), verification: 'unverified' }
}

/** Opens a contact's chat, or `conversation` (a secret chat, a group) when given. */
async function open (contact, conversation) {
  conversation ??= await guard(() => api('POST', `/v1/contacts/${seg(contact.address)}/conversation`))
  channels.close()
  state.conversations.set(conversation.id, conversation)
  state.current = conversation
  state.rendered.clear()
  $('empty').hidden = true
  $('chat').hidden = false
  $('messages').replaceChildren()
  $('typing').textContent = ''
  showBanner('')
  renderHeader()
  const page = await guard(() => api('GET', `/v1/conversations/${seg(conversation.id)}/messages?limit=100`))
  for (const line of lines.get(conversation.id) ?? []) line.shown = false
  for (const message of page.items.reverse()) renderMessage(message)
  placeLines(Infinity)
  scrollDown()
  void groups.refreshReceipts()
  await markRead()
  renderContacts()
  $('send-text').focus()
}

function renderHeader () {
  const c = state.current
  const group = c.kind === 'group'
  for (const id of ['verify', 'secret']) $(id).hidden = group
  $('members').hidden = !group
  if (group) {
    setComposer(groups.header(c))
    return
  }
  const contact = contactFor(c.peer)
  $('chat-title').textContent = c.kind === 'secret' ? `Secret chat with ${contact.name}` : contact.name
  const parts = [contact.verification === 'verified' ? 'verified' : contact.verification === 'changed' ? '⚠ safety number changed' : 'not verified', short(c.peer)]
  if (c.kind === 'secret') parts.unshift(`secret chat: ${c.secretState}${c.directOnly ? ', direct only' : ''}`)
  $('chat-sub').textContent = parts.join(' · ')
  $('timer').value = c.disappearingTimerMs == null ? '' : String(c.disappearingTimerMs)
  const secretButton = $('secret')
  if (c.kind === 'normal') { secretButton.textContent = 'Secret chat'; secretButton.dataset.action = 'start' } else if (c.secretState === 'incoming') { secretButton.textContent = 'Accept secret chat'; secretButton.dataset.action = 'accept' } else { secretButton.textContent = 'Close secret chat'; secretButton.dataset.action = 'close' }
  secretButton.hidden = c.kind === 'secret' && c.secretState === 'closed'
  setComposer(c.kind === 'normal' || c.secretState === 'active')
}

/** Whether the open conversation takes new messages (a closed secret chat, a group left: no). */
function canSend () {
  const c = state.current
  if (c == null) return false
  if (c.kind === 'group') return state.groups.get(c.id)?.self === 'member'
  return c.kind === 'normal' || c.secretState === 'active'
}

function setComposer (canSend) {
  $('send-text').disabled = !canSend
  $('send-form').querySelector('button').disabled = !canSend
  $('attach').disabled = !canSend
  $('record').disabled = !canSend
}

function renderMessage (m) {
  const existing = state.rendered.get(m.id)
  const who = m.direction === 'out' ? 'You' : contactFor(m.sender).name
  const inGroup = state.current?.kind === 'group'
  // a notice ("took a screenshot") reads as a sentence about who did it
  const text = m.kind === 'text' || m.kind === 'file' ? m.text ?? '' : m.kind === 'notice' ? `${who} ${m.text ?? ''}` : '(a message this version of Parley cannot show)'
  const reactions = Object.entries(m.reactions ?? {}).filter(([, by]) => by.length > 0)
  const info = el('span', { class: 'info' },
    m.expiresAt != null ? el('span', { class: 'timer', title: `disappears at ${new Date(m.expiresAt).toLocaleString()}` }, `disappears in ${left(m.expiresAt)}`) : null,
    (m.editHistory?.length ?? 0) > 0 ? el('span', {}, 'edited') : null,
    el('time', { datetime: new Date(m.sentAt).toISOString() }, timeOf(m.sentAt)),
    inGroup && m.direction === 'out' && m.kind !== 'notice' ? el('span', { class: 'receipts' }, existing?.querySelector('.receipts')?.textContent ?? '') : null,
    m.direction === 'out' ? el('span', { class: `ticks ${m.status}`, 'data-status': m.status, role: 'img', title: tickLabel(m.status, m.id, m.lastError), 'aria-label': tickLabel(m.status, m.id, m.lastError) }, tickText(m.status, m.route)) : null,
    waitingText(m, state.reachability) != null ? el('span', { class: 'waiting' }, waitingText(m, state.reachability)) : null
  )
  const actions = el('span', { class: 'actions' },
    el('button', { type: 'button', class: 'quiet', title: 'Delete on this device', onclick: () => { void remove(m.id, false) } }, 'Delete'),
    inGroup
      ? el('button', { type: 'button', class: 'quiet', title: 'Delete for every member', onclick: () => { void remove(m.id, true) } }, 'Delete for everyone')
      : el('button', { type: 'button', class: 'quiet', title: 'Delete on both sides', onclick: () => { void remove(m.id, true) } }, 'Delete for both'))
  if (existing == null) placeLines(m.sentAt)
  const li = m.kind === 'notice'
    ? el('li', { class: 'msg notice', 'data-id': m.id }, el('div', { class: 'text' }, text), el('time', { datetime: new Date(m.sentAt).toISOString() }, timeOf(m.sentAt)))
    : el('li', { class: `msg ${m.direction}`, 'data-id': m.id, ...(m.lastError != null ? { 'data-last-error': m.lastError } : {}), ...(m.route != null ? { 'data-route': m.route } : {}) },
      inGroup && m.direction === 'in' ? el('div', { class: 'sender' }, who) : el('span', { class: 'visually-hidden' }, `${who}: `), m.kind === 'file' ? renderAttachment(m, fileActions) : null, text !== '' || m.kind !== 'file' ? el('div', { class: 'text' }, text) : null,
      reactions.length > 0 ? el('div', { class: 'reactions' }, ...reactions.map(([emoji, by]) => el('span', { role: 'img', 'aria-label': `${emoji} from ${by.length}` }, by.length > 1 ? `${emoji} ${by.length}` : emoji))) : null,
      info, actions)
  if (existing != null) existing.replaceWith(li)
  else $('messages').append(li)
  state.rendered.set(m.id, li)
}

/** Chat lines for changes no stored message says (a secret chat ended: it is wiped), per conversation. */
const lines = new Map()
function addLine (conversationId, text) {
  const list = lines.get(conversationId) ?? []
  const line = { at: Date.now(), text, shown: false }
  list.push(line)
  lines.set(conversationId, list)
  if (state.current?.id === conversationId) { placeLines(Infinity); scrollDown() }
}
/** Appends the open conversation's lines older than `before` that are not on screen yet. */
function placeLines (before) {
  for (const line of lines.get(state.current?.id) ?? []) {
    if (line.shown || line.at >= before) continue
    line.shown = true
    $('messages').append(el('li', { class: 'msg notice line' }, el('div', { class: 'text' }, line.text), el('time', { datetime: new Date(line.at).toISOString() }, timeOf(line.at))))
  }
}
/**
 * A line for what a `conversation-updated` changed that no stored message says: a secret chat
 * ended (it is wiped). Timer changes and a secret chat accepted are stored notices.
 */
function noteChanges (before, after) {
  if (before == null) return
  if (after.kind === 'secret' && before.secretState !== after.secretState && after.secretState === 'closed') addLine(after.id, 'Secret chat ended')
}

/** What a file message's buttons do: download an incoming file, open a picture. */
const fileActions = {
  download: (m) => guard(() => api('POST', `/v1/conversations/${seg(m.conversationId)}/messages/${seg(m.id)}/download`)).then(({ message }) => { if (state.current?.id === message.conversationId) renderMessage(message) }, () => {}),
  view: (m) => openPicture(m).catch((err) => { showBanner(err.message) })
}

function scrollDown () { const list = $('messages'); list.scrollTop = list.scrollHeight }

async function markRead () {
  const c = state.current
  if (c == null || document.hidden) return
  c.unreadCount = 0
  await api('POST', `/v1/conversations/${seg(c.id)}/read`).catch(() => {})
}

async function remove (id, forEveryone) {
  const c = state.current
  if (forEveryone && !confirm(c.kind === 'group' ? 'Delete this message for every member of the group?' : 'Delete this message on both sides?')) return
  await guard(() => api('POST', `/v1/conversations/${seg(c.id)}/delete`, { ids: [id], forEveryone }))
  state.rendered.get(id)?.remove()
  state.rendered.delete(id)
}

async function send (event) {
  event.preventDefault()
  const box = $('send-text')
  const text = box.value.trim()
  if (text === '' || state.current == null) return
  box.value = ''
  state.lastTypingSent = 0
  // a timer picked just before sending applies to this message: wait for its change to land
  await state.timerChange
  const { message } = await guard(() => api('POST', `/v1/conversations/${seg(state.current.id)}/messages`, { text }))
  // the `message` event may have shown it already, and delivery events updated it since: keep that
  if (message.conversationId === state.current?.id && !state.rendered.has(message.id)) { renderMessage(message); scrollDown() }
}

function typed () {
  const c = state.current
  if (c == null) return
  const now = Date.now()
  if (now - state.lastTypingSent > 3000) {
    state.lastTypingSent = now
    void api('POST', `/v1/conversations/${seg(c.id)}/typing`, { typing: true }).catch(() => {})
  }
  clearTimeout(state.typingTimer)
  state.typingTimer = setTimeout(() => {
    state.lastTypingSent = 0
    void api('POST', `/v1/conversations/${seg(c.id)}/typing`, { typing: false }).catch(() => {})
  }, 4000)
}

// ---------------------------------------------------------------- dialogs and actions

async function verify () {
  const contact = contactFor(state.current.peer)
  const { digits } = await guard(() => api('GET', `/v1/contacts/${seg(contact.address)}/safety-number`))
  const groups = digits.match(/.{1,5}/g) ?? []
  $('safety-digits').textContent = [0, 4, 8].map((i) => groups.slice(i, i + 4).join(' ')).join('\n')
  $('verify-state').textContent = `${contact.name} is ${contact.verification === 'verified' ? 'verified' : 'not verified'}.`
  $('verify-confirm').hidden = contact.verification === 'verified'
  const dialog = $('verify-dialog')
  dialog.returnValue = ''
  dialog.showModal()
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'confirm') return
    const updated = await guard(() => api('POST', `/v1/contacts/${seg(contact.address)}/verify`))
    state.contacts = state.contacts.map((c) => c.address === updated.address ? updated : c)
    renderHeader()
    renderContacts()
  }, { once: true })
}

async function secretAction () {
  const c = state.current
  const action = $('secret').dataset.action
  if (action === 'start') {
    const chat = await guard(() => api('POST', '/v1/secret-chats', { address: c.peer }))
    state.conversations.set(chat.id, chat)
    await open(contactFor(c.peer), chat)
  } else if (action === 'accept') {
    const chat = await guard(() => api('POST', `/v1/conversations/${seg(c.id)}/accept`))
    state.conversations.set(chat.id, chat)
    state.current = chat
    renderHeader()
  } else {
    await guard(() => api('POST', `/v1/conversations/${seg(c.id)}/close`))
  }
  renderContacts()
}

async function setTimer () {
  const value = $('timer').value
  const id = state.current.id
  const ms = value === '' ? null : Number(value)
  if (state.current.kind === 'group') {
    // an admin's change of the group's settings: the members see a line for it
    groupChanged(await guard(() => api('PATCH', `/v1/groups/${seg(id)}`, { timerMs: ms })))
    return
  }
  // the change comes back as a stored notice ("You set disappearing messages to …")
  const updated = await guard(() => api('PATCH', `/v1/conversations/${seg(id)}`, { disappearingTimerMs: ms }))
  state.conversations.set(updated.id, updated)
  if (state.current?.id === updated.id) state.current = updated
}

async function addContact (event) {
  event.preventDefault()
  $('add-error').textContent = ''
  const address = $('add-address').value.trim()
  const name = $('add-name').value.trim()
  try {
    const contact = await api('POST', '/v1/contacts', { address, ...(name !== '' ? { name } : {}) })
    $('add-contact').reset()
    await loadContacts()
    await open(contact)
  } catch (err) {
    $('add-error').textContent = err.message
  }
}

/** A notification for a message arriving while this tab is in the background (with permission). */
function notify (message, conversation) {
  if (!document.hidden || typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  const secret = conversation?.kind === 'secret'
  const from = contactFor(message.sender).name
  const n = new Notification(conversation?.kind === 'group' ? `${from} in ${state.groups.get(conversation.id)?.name ?? conversation.title}` : from, {
    body: secret ? 'New message in a secret chat' : message.kind === 'text' ? message.text ?? '' : 'New message',
    tag: message.conversationId
  })
  n.onclick = () => { window.focus(); n.close() }
}

function renderNotifyButton () {
  $('notify').hidden = typeof Notification === 'undefined' || Notification.permission !== 'default'
}

/** Shows `text` as a QR code image and as text to copy, in the QR dialog. */
async function showQr (title, text, hint) {
  const { toString } = await import('./qrcode.js')
  const svg = await toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } })
  $('qr-title').textContent = title
  $('qr-image').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
  $('qr-image').alt = `QR code: ${title}`
  $('qr-hint').textContent = hint
  $('qr-text').value = text
  $('qr-dialog').showModal()
}

async function linkDevice () {
  const { code } = await guard(() => api('POST', '/v1/device-links', {}))
  await showQr('Device-link code', code, 'On the new device run `parley init --link CODE` with this code (valid 10 minutes), or scan it.')
}

/** Renames the open conversation's contact (Escape or Cancel keeps the name). */
function rename () {
  const group = state.current.kind === 'group' ? state.groups.get(state.current.id) : undefined
  const contact = group == null ? contactFor(state.current.peer) : undefined
  const dialog = $('rename-dialog')
  $('rename-title').textContent = group != null ? 'Rename group' : 'Rename contact'
  $('rename-input').value = group?.name ?? contact.name
  dialog.returnValue = ''
  dialog.showModal()
  dialog.addEventListener('close', async () => {
    const name = $('rename-input').value.trim()
    if (dialog.returnValue !== 'save' || name === '' || name === (group?.name ?? contact.name)) return
    if (group != null) {
      groupChanged(await guard(() => api('PATCH', `/v1/groups/${seg(group.id)}`, { name })))
      return
    }
    const updated = await guard(() => api('PATCH', `/v1/contacts/${seg(contact.address)}`, { name }))
    state.contacts = state.contacts.map((c) => c.address === updated.address ? updated : c)
    renderHeader()
    renderContacts()
  }, { once: true })
}

/** The local history search (GET /v1/search): each hit opens its conversation. */
async function search (event) {
  event.preventDefault()
  const q = $('search').value.trim()
  const list = $('search-results')
  list.hidden = q === ''
  if (q === '') return
  const result = await guard(() => api('GET', `/v1/search?q=${encodeURIComponent(q)}&limit=50`))
  const hits = result.hits.map(({ message, conversationTitle }) => el('li', {},
    el('button', { type: 'button', class: 'search-hit', onclick: () => { void openHit(message.conversationId) } }, `${conversationTitle} · ${message.direction === 'out' ? 'You' : conversationTitle}: ${message.text ?? ''}`)))
  list.replaceChildren(...hits)
  if (hits.length === 0) list.append(el('li', { class: 'empty' }, 'No messages found'))
  if (!result.complete) list.append(el('li', { class: 'empty' }, 'More may match: narrow the search'))
}

async function openHit (conversationId) {
  const conversation = state.conversations.get(conversationId) ?? await guard(() => api('GET', `/v1/conversations/${seg(conversationId)}`))
  await open(conversation.kind === 'group' ? null : contactFor(conversation.peer), conversation)
}

// ---------------------------------------------------------------- live events

const handlers = {
  message ({ message }) {
    const c = state.conversations.get(message.conversationId)
    if (message.kind === 'file') settleUpload(message.id)
    if (message.direction === 'in') notify(message, c)
    if (state.current?.id === message.conversationId) {
      renderMessage(message)
      scrollDown()
      $('typing').textContent = ''
      if (message.direction === 'in') void markRead()
    }
    if (c != null && (c.kind === 'group' || state.contacts.some((x) => x.address === c.peer)) && state.current?.id === c.id) {
      c.lastActivity = Math.max(c.lastActivity, message.sentAt)
      renderContacts()
    } else {
      // the daemon's unread count and ordering are the truth
      void loadContacts().catch(() => {})
    }
  },
  'attachment-progress' (detail) { onProgress(detail) },
  'message-updated' ({ message }) {
    if (state.current?.id === message.conversationId) renderMessage(message)
  },
  'messages-deleted' ({ conversationId, ids }) {
    if (state.current?.id !== conversationId) return
    for (const id of ids) { state.rendered.get(id)?.remove(); state.rendered.delete(id) }
  },
  delivery ({ conversationId, messageId, state: status, reason }) {
    if (status === 'failed') failures.set(messageId, reason ?? 'not delivered')
    if (state.current?.id !== conversationId) return
    const li = state.rendered.get(messageId)
    const ticks = li?.querySelector('.ticks')
    if (ticks == null) return
    if ((status === 'sent' || status === 'stored') && li.dataset.route == null) li.dataset.route = status === 'sent' ? 'direct' : 'relay'
    ticks.textContent = tickText(status, li.dataset.route)
    ticks.className = `ticks ${status}`
    ticks.dataset.status = status
    ticks.title = tickLabel(status, messageId)
    ticks.setAttribute('aria-label', tickLabel(status, messageId))
    if (status !== 'queued') state.rendered.get(messageId)?.querySelector('.waiting')?.remove()
    if (status === 'delivered' || status === 'read') void groups.refreshReceipts()
  },
  'group-updated' ({ group }) { groupChanged(group) },
  'group-refused' ({ conversationId, sender, code }) {
    if (state.current?.id === conversationId) showBanner(`A message or change from ${contactFor(sender).name} was refused (${code}); nothing else was lost.`)
  },
  typing ({ conversationId, from, typing }) {
    if (state.current?.id !== conversationId) return
    $('typing').textContent = typing ? `${contactFor(from).name} is typing…` : ''
  },
  'conversation-updated' ({ conversation }) {
    const known = state.conversations.has(conversation.id)
    noteChanges(state.conversations.get(conversation.id), conversation)
    state.conversations.set(conversation.id, conversation)
    if (state.current?.id === conversation.id) { state.current = conversation; renderHeader() }
    if (!known) void loadContacts()
    else renderContacts()
  },
  'contact-key-changed' ({ address, wasVerified }) {
    void loadContacts()
    if (state.current?.peer === address) showBanner(`${contactFor(address).name}'s safety number changed${wasVerified ? ': verify it again before trusting this chat' : ''}.`)
  },
  'contact-removed' ({ address }) {
    if (state.current?.peer === address) showBanner(`${contactFor(address).name} deleted their account.`)
    void loadContacts()
  },
  screenshot ({ conversationId, from }) {
    if (state.current?.id === conversationId) showBanner(`${contactFor(from).name} took a screenshot of this secret chat.`)
  },
  wiped ({ reason }) { showLogin(reason === 'unlinked' ? 'This device was unlinked from its account and wiped.' : 'This account was deleted on this device.') },
  reachability ({ reachability }) {
    state.reachability = reachability
    renderReachability($('network'), reachability)
    for (const li of state.rendered.values()) {
      const waiting = li.querySelector('.waiting')
      if (waiting != null) waiting.textContent = waitingText({ direction: 'out', status: 'queued', lastError: li.dataset.lastError }, reachability)
    }
  },
  // a new device waits: link it only if it shows the same six digits (nothing moves before)
  'device-link-request' ({ id, sas }) {
    const accept = window.confirm(`A new device asks to join this account.\n\nDoes it show ${sas}?\n\nOK links it; Cancel refuses.`)
    void guard(() => api('POST', `/v1/device-links/requests/${seg(id)}`, { accept }))
  },
  'contact-devices-changed' ({ address, added, removed }) {
    if (state.current?.peer === address) showBanner(`${contactFor(address).name} ${added.length > 0 ? 'added a device' : 'removed a device'} (same account: the safety number is unchanged).`)
  },
  'contact-updated' () { void loadContacts() }
}

function nameOf (address) { return address === state.me ? 'You' : contactFor(address).name }

/** A group's new view (from an event or an API answer): lines for what changed, the list and header redrawn. */
function groupChanged (group) {
  const before = state.groups.get(group.id)
  state.groups.set(group.id, group)
  for (const line of membershipLines(before, group, nameOf, state.me)) addLine(group.id, line)
  if (!state.conversations.has(group.id)) { void loadContacts().catch(() => {}); return }
  if (state.current?.id === group.id) renderHeader()
  renderContacts()
}

const groups = setupGroups({ state, guard, nameOf, groupChanged, openConversation: (conversation) => open(null, conversation) })
const channels = setupChannels({
  guard,
  showQr: (title, text, hint) => showQr(title, text, hint),
  closeChat: () => {
    state.current = null
    state.rendered.clear()
    $('chat').hidden = true
    renderContacts()
  }
})
Object.assign(handlers, channels.handlers)

function setConnection (status) {
  const node = $('connection')
  node.textContent = status === 'live' ? 'live' : 'reconnecting…'
  node.classList.toggle('live', status === 'live')
  if (status === 'live') {
    void loadContacts().catch(() => {})
    void channels.load().catch(() => {})
    return
  }
  // a restarted daemon forgets sessions: say so instead of reconnecting forever
  void api('GET', '/v1/account').catch((err) => { if (err instanceof ApiError && err.status === 401) { state.events?.close(); showLogin('Your session has ended.') } })
}

// ---------------------------------------------------------------- start

async function start () {
  try {
    await loginFromHash()
  } catch (err) {
    showLogin(err instanceof ApiError && err.code === 'ERR_INVALID_LOGIN_CODE' ? 'This login link was already used or has expired.' : err.message)
    return
  }
  let account
  try {
    account = await api('GET', '/v1/account')
  } catch (err) {
    showLogin(err instanceof ApiError && err.status === 401 ? 'You are not signed in.' : err.message)
    return
  }
  state.me = account.address
  $('my-address').textContent = account.address
  $('copy-invite').addEventListener('click', async () => {
    await navigator.clipboard?.writeText(account.inviteLink).catch(() => {})
    $('copy-invite').textContent = 'Copied'
    setTimeout(() => { $('copy-invite').textContent = 'Copy invite link' }, 1500)
  })
  $('login-screen').hidden = true
  $('app').hidden = false
  $('add-contact').addEventListener('submit', addContact)
  $('search-form').addEventListener('submit', (event) => { void search(event) })
  $('send-form').addEventListener('submit', send)
  $('send-text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('send-form').requestSubmit() } else typed()
  })
  $('verify').addEventListener('click', () => { void verify() })
  $('rename').addEventListener('click', rename)
  $('show-qr').addEventListener('click', () => { void showQr('Your invite link', account.inviteLink, 'Let a contact scan this code, or copy the link.') })
  $('link-device').addEventListener('click', () => { void linkDevice() })
  $('notify').addEventListener('click', async () => { await Notification.requestPermission(); renderNotifyButton() })
  renderNotifyButton()
  $('secret').addEventListener('click', () => { void secretAction() })
  $('timer').addEventListener('change', () => { state.timerChange = setTimer().catch(() => {}) })
  document.addEventListener('visibilitychange', () => { void markRead() })
  setupFileComposer({
    current: () => state.current,
    canSend,
    sent: (message) => { if (message.conversationId === state.current?.id) { renderMessage(message); scrollDown() } },
    fail: (err) => { if (err instanceof ApiError && err.status === 401) showLogin('Your session has ended.'); else showBanner(err.message) }
  })
  $('qr-copy').addEventListener('click', async () => {
    await navigator.clipboard?.writeText($('qr-text').value).catch(() => {})
    $('qr-copy').textContent = 'Copied'
    setTimeout(() => { $('qr-copy').textContent = 'Copy' }, 1500)
  })
  await Promise.all([loadContacts(), channels.load()])
  const status = await api('GET', '/v1/status').catch(() => undefined)
  if (status?.reachability != null) handlers.reachability({ reachability: status.reachability })
  state.events = subscribe(handlers, setConnection)
}

void start()
