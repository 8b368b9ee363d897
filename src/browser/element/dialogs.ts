/**
 * The element's modal dialogs (native `<dialog>`: Escape closes them, focus is trapped while
 * open and goes back to the control that opened them).
 */
import { h } from './dom.js'

/** Opens a modal dialog in `parent`; resolves with its `returnValue` once closed, then removes it. */
export async function showDialog (parent: ParentNode, dialog: HTMLDialogElement): Promise<string> {
  const opener = (parent instanceof ShadowRoot ? parent.activeElement : document.activeElement) as HTMLElement | null
  parent.append(dialog)
  const closed = new Promise<string>((resolve) => {
    dialog.addEventListener('close', () => { resolve(dialog.returnValue) }, { once: true })
  })
  dialog.showModal()
  const value = await closed
  dialog.remove()
  opener?.focus()
  return value
}

/**
 * Asks before a destructive action: resolves true only when the user picks `confirmLabel`
 * (Cancel, Escape and closing resolve false). The safe choice has the focus.
 */
export async function confirmAction (parent: ParentNode, init: { title: string, body: string, confirmLabel: string }): Promise<boolean> {
  const dialog = h('dialog', { part: 'dialog confirm-dialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'confirm-title' }, init.title),
      h('p', { id: 'confirm-body' }, init.body),
      h('div', { class: 'dialog-actions' },
        h('button', { value: 'cancel', class: 'secondary', part: 'button', autofocus: true }, 'Cancel'),
        h('button', { value: 'confirm', class: 'danger', part: 'button danger-button' }, init.confirmLabel))))
  return (await showDialog(parent, dialog)) === 'confirm'
}

/**
 * Shows `text` as a QR code (an `<img>` with an alt text) and as text to copy. The QR encoder
 * loads here, through `import()`, the first time one is shown.
 */
export async function showQr (parent: ParentNode, init: { title: string, text: string, hint: string, alt: string }): Promise<void> {
  const { qrDataUrl } = await import('./qr.js')
  const src = await qrDataUrl(init.text)
  const dialog = h('dialog', { part: 'dialog qr-dialog', 'aria-labelledby': 'qr-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'qr-title' }, init.title),
      h('img', { class: 'qr', src, alt: init.alt, width: 240, height: 240, part: 'qr' }),
      h('p', { class: 'hint' }, init.hint),
      h('label', { for: 'qr-text', class: 'visually-hidden' }, init.title),
      h('input', { id: 'qr-text', readonly: true, value: init.text, part: 'input', onfocus: (evt: FocusEvent) => { (evt.target as HTMLInputElement).select() } }),
      h('div', { class: 'dialog-actions' }, h('button', { value: 'close', class: 'primary', part: 'button', autofocus: true }, 'Close'))))
  await showDialog(parent, dialog)
}

/** A device-link code as a QR image and text: the new device joins this account with it (valid 10 minutes). */
export async function showDeviceLinkQr (parent: ParentNode, code: string): Promise<void> {
  await showQr(parent, {
    title: 'Link a device',
    text: code,
    hint: 'On the new device run `parley init --link <code>` (or scan this code). It works once, for 10 minutes; anyone with it can join your account.',
    alt: 'QR code of a one-time device-link code'
  })
}

/** The invite link as a QR image and text. */
export async function showInviteQr (parent: ParentNode, link: string): Promise<void> {
  await showQr(parent, { title: 'Your invite link', text: link, hint: 'Let a contact scan this code with their phone, or copy the link below.', alt: 'QR code of your invite link' })
}

/** Copies the invite link (where the clipboard allows), says so on `button` for 2 s, and fires `parley-invite` on `el`. */
export async function copyInvite (el: HTMLElement, button: HTMLButtonElement, link: string): Promise<void> {
  // no clipboard (permission, insecure context): the page still gets the link with the event
  await navigator.clipboard?.writeText(link).catch(() => {})
  button.textContent = 'Invite link copied'
  setTimeout(() => { button.textContent = 'Copy invite link' }, 2000)
  el.dispatchEvent(new CustomEvent('parley-invite', { detail: { link }, bubbles: true, composed: true }))
}
