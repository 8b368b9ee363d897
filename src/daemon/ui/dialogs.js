// The web UI's dialogs and side actions: safety-number verification, rename (a contact or a
// group), QR codes (invite link, device-link code, channel links) with a copy button,
// notifications for background tabs, and the local history search.
import { api, seg } from './api.js'
import { $, el } from './dom.js'

/**
 * `ctx`: `state`, `guard(fn)`, `contactFor(address)`, `open(contact, conversation)`,
 * `renderHeader()`, `renderContacts()`, `groupChanged(group)`.
 */
export function setupDialogs (ctx) {
  const { state, guard, contactFor, open, renderHeader, renderContacts, groupChanged } = ctx
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
      el('button', { type: 'button', class: 'search-hit', onclick: () => { void openHit(message.conversationId) } }, `${conversationTitle} · ${message.direction === 'out' ? 'You' : contactFor(message.sender).name}: ${message.text ?? ''}`)))
    list.replaceChildren(...hits)
    if (hits.length === 0) list.append(el('li', { class: 'empty' }, 'No messages found'))
    if (!result.complete) list.append(el('li', { class: 'empty' }, 'More may match: narrow the search'))
  }

  async function openHit (conversationId) {
    const conversation = state.conversations.get(conversationId) ?? await guard(() => api('GET', `/v1/conversations/${seg(conversationId)}`))
    await open(conversation.kind === 'group' ? null : contactFor(conversation.peer), conversation)
  }

  $('verify').addEventListener('click', () => { void verify() })
  $('rename').addEventListener('click', rename)
  $('link-device').addEventListener('click', () => { void linkDevice() })
  $('notify').addEventListener('click', async () => { await Notification.requestPermission(); renderNotifyButton() })
  $('search-form').addEventListener('submit', (event) => { void search(event) })
  $('qr-copy').addEventListener('click', async () => {
    await navigator.clipboard?.writeText($('qr-text').value).catch(() => {})
    $('qr-copy').textContent = 'Copied'
    setTimeout(() => { $('qr-copy').textContent = 'Copy' }, 1500)
  })
  renderNotifyButton()
  return { showQr, notify }
}
