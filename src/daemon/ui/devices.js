// This account's devices in the web UI: the Devices dialog (name, platform, added, last seen,
// "this device"; rename; unlink after a confirmation), the confirmation of a new device's link
// request (the six digits both screens show; nothing moves before the user says they match),
// and a status line while a newly linked device's history moves (sent or received, messages of
// the total, directly or through the relays) and when it finished.
import { api, seg } from './api.js'
import { $, el } from './dom.js'

const PLATFORM = { node: 'computer (daemon or app)', browser: 'browser' }

function when (ms) {
  return new Date(ms).toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** `ctx`: `onUnauthorized(err)`: true when `err` ended the session (the login screen is shown). */
export function setupDevices (ctx) {
  const { onUnauthorized } = ctx
  /** name by device id, from the last list (for the status lines) */
  const names = new Map()
  /** link requests waiting for the user, oldest first; the first is the one shown */
  const requests = []
  let expiryTimer

  function note (text) { $('devices-note').textContent = text }

  async function load () {
    const { items } = await api('GET', '/v1/devices')
    for (const d of items) names.set(d.id, d.name)
    $('device-list').replaceChildren(...items.map(deviceRow))
    $('devices-summary').textContent = `${items.length} of 6 devices on this account`
  }

  function deviceRow (d) {
    const label = d.thisDevice ? `${d.name} (this device)` : d.name
    const seen = d.thisDevice ? 'active now' : d.lastSeen == null ? 'not seen yet' : `last seen ${when(d.lastSeen)}`
    const meta = [PLATFORM[d.platform] ?? d.platform, d.addedAt > 0 ? `added ${when(d.addedAt)}` : 'added: unknown', seen].join(' · ')
    return el('li', { 'data-device': d.id },
      el('div', { class: 'who' }, el('span', { class: 'name' }, label), el('span', { class: 'meta' }, meta)),
      el('div', { class: 'row-actions' },
        el('button', { type: 'button', class: 'secondary', 'aria-label': `Rename ${d.name}`, onclick: () => { rename(d) } }, 'Rename'),
        d.thisDevice ? null : el('button', { type: 'button', class: 'danger', 'aria-label': `Unlink ${d.name}`, onclick: () => { unlink(d) } }, 'Unlink')))
  }

  async function show () {
    $('devices-error').textContent = ''
    try {
      await load()
    } catch (err) {
      if (onUnauthorized(err)) return
      $('devices-error').textContent = err.message
    }
    $('devices-dialog').showModal()
  }

  /** The rename dialog (Enter saves; Escape or Cancel keeps the name); the name changes on every device. */
  function rename (d) {
    const dialog = $('device-rename-dialog')
    $('device-rename-input').value = d.name
    dialog.returnValue = ''
    dialog.showModal()
    dialog.addEventListener('close', () => {
      const name = $('device-rename-input').value.trim()
      if (dialog.returnValue !== 'save' || name === '' || name === d.name) return
      void act(() => api('PATCH', `/v1/devices/${seg(d.id)}`, { name }))
    }, { once: true })
  }

  /** Unlinks after a confirmation that says what happens to that device. */
  function unlink (d) {
    const dialog = $('device-unlink-dialog')
    $('device-unlink-title').textContent = `Unlink ${d.name}?`
    dialog.returnValue = ''
    dialog.showModal()
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'unlink') return
      void act(async () => {
        await api('DELETE', `/v1/devices/${seg(d.id)}`)
        note(`${d.name} was unlinked; it wipes itself when it learns so.`)
      })
    }, { once: true })
  }

  /** Runs a change and reloads the list; a refusal is said in the dialog. */
  async function act (fn) {
    try {
      await fn()
    } catch (err) {
      if (onUnauthorized(err)) return
      $('devices-error').textContent = err.message
    }
    await load().catch((err) => { $('devices-error').textContent = err.message })
  }

  // ------------------------------------------------------------ link requests

  function enqueue (request) {
    if (requests.some((r) => r.id === request.id)) return
    requests.push(request)
    if (requests.length === 1) showRequest()
  }

  function showRequest () {
    const request = requests[0]
    if (request == null) return
    const dialog = $('link-request-dialog')
    $('link-request-sas').textContent = request.sas
    $('link-request-expiry').textContent = `This request expires at ${new Date(request.expiresAt).toLocaleTimeString()}.`
    dialog.returnValue = ''
    dialog.showModal()
    clearTimeout(expiryTimer)
    expiryTimer = setTimeout(() => { dialog.close('expired') }, Math.max(0, request.expiresAt - Date.now()))
    dialog.addEventListener('close', () => { void answer(request, dialog.returnValue) }, { once: true })
  }

  /** "They match": accept, with the digits shown (the daemon checks them); anything else refuses. */
  async function answer (request, choice) {
    clearTimeout(expiryTimer)
    requests.shift()
    const accept = choice === 'accept'
    try {
      if (choice === 'expired') note('A link request expired before it was answered.')
      else {
        await api('POST', `/v1/device-links/requests/${seg(request.id)}`, accept ? { accept, sas: request.sas } : { accept })
        note(accept ? 'The new device is being linked…' : 'You refused a link request.')
      }
    } catch (err) {
      if (!onUnauthorized(err)) note(`The link request could not be answered: ${err.message}`)
    } finally {
      showRequest()
    }
  }

  /** At start: the devices' names (for the lines), and link requests that arrived before this page was open. */
  async function start () {
    try {
      const [{ items }] = await Promise.all([api('GET', '/v1/device-links/requests'), load()])
      for (const r of items) enqueue(r)
    } catch (err) {
      // the rest of the page works without it: said, not thrown
      if (!onUnauthorized(err)) note(`Could not load this account's devices: ${err.message}`)
    }
  }

  /** "History from/to <device>: 120 of 1,000 messages (through the relays)". */
  function historyLine ({ device, role, via, received, total }, done) {
    const name = names.get(device) ?? (role === 'sending' ? 'the new device' : 'your other device')
    const what = role === 'sending' ? `History for ${name}` : `History from ${name}`
    const how = via === 'relay' ? (role === 'sending' ? ' (left at the relays)' : ' (through the relays)') : ''
    const n = (x) => x.toLocaleString()
    if (done) return `${what}: finished, ${n(received)} messages${how}.`
    return `${what}: ${n(received)} of ${n(total)} messages${how}…`
  }

  const handlers = {
    'device-link-request' (request) { enqueue(request) },
    'history-progress' (progress) { note(historyLine(progress, false)) },
    'history-done' (progress) { note(historyLine(progress, true)) },
    'devices-changed' ({ reason, device }) {
      const name = names.get(device) ?? 'another device'
      // (reason 'history': the history-done line says it)
      if (reason === 'linked') note('A new device joined this account.')
      else if (reason === 'unlinked' && device !== '' && names.has(device)) note(`${name} was unlinked from this account.`)
      void load().catch((err) => { $('devices-error').textContent = err.message })
    }
  }

  $('show-devices').addEventListener('click', () => { void show() })
  return { handlers, start }
}
