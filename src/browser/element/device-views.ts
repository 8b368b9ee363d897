/**
 * This account's devices in `<parley-chat>` (issue #19; docs/BROWSER.md, "Devices"): a lazy
 * chunk of the element, loaded when "Devices" is pressed or a link request arrives.
 *
 * - The Devices dialog: each device's name, platform, when it was added and last seen, "this
 *   device"; rename (Enter saves, Escape keeps the name; the name changes on every device of the
 *   account); unlink (not this device) after a confirmation that says the device wipes itself.
 * - A new device's link request: a dialog showing the six digits both screens show, with Refuse
 *   (focused: the safe choice) and "They match"; nothing moves before the user accepts. Requests
 *   are shown one at a time, oldest first; one that expires closes its dialog.
 */
import type { DeviceView, LinkRequestView, MessengerEvents } from '../../messenger/types.js'
import type { ViewHost } from './view-kit.js'

/** An account has at most this many devices (the account-record validator's bound). */
const MAX_DEVICES = 6

/** Styles of the device views, added to the element's shadow root when they load. */
const DEVICE_STYLES = `
.sas { font-family: ui-monospace, monospace; font-size: 2em; font-weight: 700; letter-spacing: .15em; text-align: center; margin: .25rem 0; }
`

const PLATFORM: Record<DeviceView['platform'], string> = { node: 'computer (daemon or app)', browser: 'browser' }

function when (ms: number): string {
  return new Date(ms).toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** "browser · added 3 Dec 2026, 12:00 · last seen 3 Dec 2026, 12:05" */
export function deviceMeta (d: DeviceView): string {
  const seen = d.thisDevice ? 'active now' : d.lastSeen == null ? 'not seen yet' : `last seen ${when(d.lastSeen)}`
  return [PLATFORM[d.platform] ?? d.platform, d.addedAt > 0 ? `added ${when(d.addedAt)}` : 'added: unknown', seen].join(' · ')
}

export class DeviceViews {
  /** The open Devices dialog's parts, while it is open. */
  #open: { list: HTMLUListElement, summary: HTMLElement, note: HTMLElement, error: HTMLElement } | undefined
  /** The device whose rename form is open in the dialog. */
  #renaming: string | undefined
  readonly #names = new Map<string, string>()
  /** Link requests waiting for the user, oldest first; the first is on screen. */
  readonly #requests: LinkRequestView[] = []

  constructor (private readonly host: ViewHost) {
    host.root.append(host.kit.h('style', {}, DEVICE_STYLES))
  }

  /** Opens the Devices dialog; resolves when it is closed. */
  async show (): Promise<void> {
    const { h, showDialog } = this.host.kit
    const parts = {
      summary: h('p', { id: 'devices-summary', class: 'hint' }),
      list: h('ul', { class: 'rows', 'aria-labelledby': 'devices-title', part: 'device-list' }),
      note: h('p', { class: 'hint', role: 'status' }),
      error: h('p', { class: 'error', role: 'alert' })
    }
    const dialog = h('dialog', { part: 'dialog devices-dialog', 'aria-labelledby': 'devices-title', 'aria-describedby': 'devices-summary' },
      h('h2', { id: 'devices-title' }, 'Devices'),
      parts.summary, parts.list, parts.note, parts.error,
      h('form', { method: 'dialog', class: 'dialog-actions' }, h('button', { value: 'close', class: 'primary', part: 'button' }, 'Close')))
    this.#open = parts
    this.#renaming = undefined
    const closed = showDialog(this.host.root, dialog)
    await this.#load()
    await closed
    this.#open = undefined
  }

  /** `devices-changed`: the open list again, and a line saying what happened. */
  changed (detail: MessengerEvents['devices-changed']): void {
    const name = this.#names.get(detail.device) ?? 'another device'
    if (detail.reason === 'linked') this.#say('A new device joined this account.')
    else if (detail.reason === 'history') this.#say(`History sync with ${name} finished.`)
    else if (detail.reason === 'unlinked' && this.#names.has(detail.device)) this.#say(`${name} was unlinked from this account.`)
    void this.#load()
  }

  async #load (): Promise<void> {
    const open = this.#open
    const messenger = this.host.messenger()
    if (open == null || messenger == null) return
    try {
      const devices = await messenger.devices()
      for (const d of devices) this.#names.set(d.id, d.name)
      open.summary.textContent = `${devices.length} of ${MAX_DEVICES} devices on this account`
      this.host.kit.fill(open.list, ...devices.map((d) => this.#row(d)))
      if (this.#renaming != null) (open.list.querySelector('#device-rename-input') as HTMLInputElement | null)?.select()
    } catch (err) {
      open.error.textContent = `Could not list this account's devices: ${(err as Error).message}`
    }
  }

  #row (d: DeviceView): HTMLLIElement {
    const { h } = this.host.kit
    const label = d.thisDevice ? `${d.name} (this device)` : d.name
    if (this.#renaming === d.id) return h('li', { 'data-device': d.id }, this.#renameForm(d))
    return h('li', { 'data-device': d.id, part: 'device-item' },
      h('div', { class: 'who' }, h('span', { class: 'name' }, label), h('span', { class: 'meta' }, deviceMeta(d))),
      h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'secondary', part: 'button', 'aria-label': `Rename ${d.name}`, onclick: () => { this.#renaming = d.id; void this.#load() } }, 'Rename'),
        d.thisDevice ? null : h('button', { type: 'button', class: 'danger', part: 'button danger-button', 'aria-label': `Unlink ${d.name}`, onclick: () => { void this.#unlink(d) } }, 'Unlink')))
  }

  /** Enter saves; Escape or Cancel keeps the name. */
  #renameForm (d: DeviceView): HTMLFormElement {
    const { h } = this.host.kit
    const input = h('input', { id: 'device-rename-input', name: 'name', required: true, maxlength: 64, autocomplete: 'off', part: 'input', value: d.name })
    const close = (): void => { this.#renaming = undefined; void this.#load().then(() => { (this.#open?.list.querySelector(`[data-device="${d.id}"] button`) as HTMLElement | null)?.focus() }) }
    return h('form', {
      class: 'rename', part: 'rename-form', 'aria-label': `Rename ${d.name}`,
      onsubmit: (evt: Event) => {
        evt.preventDefault()
        const name = input.value.trim()
        if (name === '' || name === d.name) { close(); return }
        void this.#act(async () => { await this.host.messenger()?.renameDevice(d.id, name) }).then(close)
      },
      // Escape closes the rename form, not the dialog
      onkeydown: (evt: KeyboardEvent) => { if (evt.key === 'Escape') { evt.preventDefault(); evt.stopPropagation(); close() } }
    },
    h('label', { for: 'device-rename-input', class: 'visually-hidden' }, `New name for ${d.name}`),
    input,
    h('button', { type: 'submit', class: 'primary', part: 'button' }, 'Save'),
    h('button', { type: 'button', class: 'secondary', part: 'button', onclick: close }, 'Cancel'))
  }

  async #unlink (d: DeviceView): Promise<void> {
    const sure = await this.host.kit.confirmAction(this.host.root, {
      title: `Unlink ${d.name}?`,
      body: `${d.name} will be removed from this account: it stops receiving your messages, your contacts stop sending to it, and it wipes itself (its chats, contacts and keys) as soon as it learns it was removed.`,
      confirmLabel: 'Unlink'
    })
    if (!sure) return
    await this.#act(async () => {
      await this.host.messenger()?.unlinkDevice(d.id)
      this.#say(`${d.name} was unlinked; it wipes itself when it learns so.`)
    })
  }

  /** Runs a change and lists again; a refusal is said in the dialog. */
  async #act (fn: () => Promise<void>): Promise<void> {
    if (this.#open != null) this.#open.error.textContent = ''
    try {
      await fn()
    } catch (err) {
      if (this.#open != null) this.#open.error.textContent = (err as Error).message
      else this.host.fail(err)
    }
    await this.#load()
  }

  #say (text: string): void {
    if (this.#open != null) this.#open.note.textContent = text
  }

  // ------------------------------------------------------------ link requests

  /** A new device's link request: shown now, or after those already waiting. */
  request (request: LinkRequestView): void {
    if (this.#requests.some((r) => r.id === request.id)) return
    this.#requests.push(request)
    if (this.#requests.length === 1) void this.#showRequest(request)
  }

  async #showRequest (request: LinkRequestView): Promise<void> {
    const { h, showDialog } = this.host.kit
    const dialog = h('dialog', { part: 'dialog link-request-dialog', 'aria-labelledby': 'link-request-title', 'aria-describedby': 'link-request-body' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'link-request-title' }, 'Link a new device?'),
        h('p', { id: 'link-request-body' }, 'A new device asks to join your account. Check that it shows the same six digits, and accept only if they match: it will get your contacts, chats and keys.'),
        h('p', { class: 'sas', part: 'sas' }, request.sas),
        h('p', { class: 'hint' }, `This request expires at ${new Date(request.expiresAt).toLocaleTimeString()}.`),
        h('div', { class: 'dialog-actions' },
          h('button', { value: 'refuse', class: 'secondary', part: 'button', autofocus: true }, 'Refuse'),
          h('button', { value: 'accept', class: 'primary', part: 'button' }, 'They match: link it'))))
    const expiry = setTimeout(() => { dialog.close('expired') }, Math.max(0, request.expiresAt - Date.now()))
    const choice = await showDialog(this.host.root, dialog)
    clearTimeout(expiry)
    try {
      const messenger = this.host.messenger()
      // Escape and closing refuse, as Refuse does; an expired request is already declined
      if (choice !== 'expired' && messenger != null) await messenger.confirmDeviceLink(request.id, choice === 'accept', choice === 'accept' ? { sas: request.sas } : {})
    } catch (err) {
      this.host.fail(err)
    } finally {
      this.#requests.shift()
      const next = this.#requests[0]
      if (next != null) void this.#showRequest(next)
    }
  }
}
