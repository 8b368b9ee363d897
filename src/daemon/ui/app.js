// Parley's local web UI: contacts and groups with unread counts, a live conversation, ticks,
// timers, secret chats, delete for both, safety-number verification, and channels
// (channels.js). No framework, no CDN.
import { api, ApiError, loginFromHash, seg, subscribe } from './api.js'
import { setupChannels } from './channels.js'
import { renderChatList } from './chat-list.js'
import { setupDevices } from './devices.js'
import { setupDialogs } from './dialogs.js'
import { createMessageList } from './message-list.js'
import { $, short } from './dom.js'
import { membershipLines } from './group-words.js'
import { setupGroups } from './groups.js'
import { setupGroupInvites } from './group-invites.js'
import { setupGroupPicture } from './group-picture.js'
import { setupHeaderActions } from './header-actions.js'
import { renderReachability, waitingText } from './reachability.js'
import { failures, groupHop, tickLabel, tickText } from './ticks.js'
import { onProgress, settleUpload } from './attachments.js'
import { setupFileComposer } from './file-composer.js'

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

function renderContacts () { renderChatList(state, open) }

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
  messageList.resetLines(conversation.id)
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
  $('attach').title = 'Send a file or picture (or drop it on the conversation)'
  $('record').title = 'Record a voice note'
}

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

// ---------------------------------------------------------------- live events

const handlers = {
  message ({ message }) {
    const c = state.conversations.get(message.conversationId)
    if (message.kind === 'file') settleUpload(message.id)
    if (message.direction === 'in') dialogs.notify(message, c)
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
    if (state.current.kind === 'group') {
      // a group message's ticks say the first hop; the members' receipts are counted beside them
      if (status === 'delivered' || status === 'read') void groups.refreshReceipts()
      status = groupHop(status, li.dataset.route)
    }
    ticks.textContent = tickText(status, li.dataset.route)
    ticks.className = `ticks ${status}`
    ticks.dataset.status = status
    ticks.title = tickLabel(status, messageId)
    ticks.setAttribute('aria-label', tickLabel(status, messageId))
    if (status !== 'queued') state.rendered.get(messageId)?.querySelector('.waiting')?.remove()
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

const messageList = createMessageList({ state, contactFor, guard, showBanner, remove })
const { renderMessage, addLine, placeLines, noteChanges, scrollDown } = messageList
const dialogs = setupDialogs({ state, guard, contactFor, open, renderHeader, renderContacts, groupChanged })
const groups = setupGroups({ state, guard, nameOf, groupChanged, openConversation: (conversation) => open(null, conversation) })
const channels = setupChannels({
  guard,
  showQr: (title, text, hint) => dialogs.showQr(title, text, hint),
  closeChat: () => {
    state.current = null
    state.rendered.clear()
    $('chat').hidden = true
    renderContacts()
  }
})
Object.assign(handlers, channels.handlers)
// group invite links: the invite dialog (link, QR, requests) and joining by link (group-invites.js)
setupGroupInvites({ state, nameOf, groupChanged, isAdmin: groups.isAdmin, handlers })
setupGroupPicture({ state, groupChanged, handlers })
// this account's devices; a new device's link request is confirmed in a dialog (devices.js)
const devices = setupDevices({ onUnauthorized: (err) => { if (!(err instanceof ApiError && err.status === 401)) return false; showLogin('Your session has ended.'); return true } })
Object.assign(handlers, devices.handlers)

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
  $('send-form').addEventListener('submit', send)
  $('send-text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('send-form').requestSubmit() } else typed()
  })
  $('show-qr').addEventListener('click', () => { void dialogs.showQr('Your invite link', account.inviteLink, 'Let a contact scan this code, or copy the link.') })
  setupHeaderActions({ state, guard, open, contactFor, renderHeader, renderContacts, groupChanged })
  document.addEventListener('visibilitychange', () => { void markRead() })
  setupFileComposer({
    current: () => state.current,
    canSend: () => canSend(),
    sent: (message) => { if (message.conversationId === state.current?.id) { renderMessage(message); scrollDown() } },
    fail: (err) => { if (err instanceof ApiError && err.status === 401) showLogin('Your session has ended.'); else showBanner(err.message) }
  })
  await Promise.all([loadContacts(), channels.load(), devices.start()])
  const status = await api('GET', '/v1/status').catch(() => undefined)
  if (status?.reachability != null) handlers.reachability({ reachability: status.reachability })
  state.events = subscribe(handlers, setConnection)
}

void start()
