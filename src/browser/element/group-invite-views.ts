/**
 * Group invite links and the group picture in `<parley-chat>` (issue #20; docs/BROWSER.md,
 * "Groups"): a lazy chunk of the groups view, loaded when the members panel opens or "Join by
 * link" is pressed.
 *
 * - The picture: shown at the top of the members panel; whoever may rename the group sets a
 *   PNG, JPEG or WebP of at most 16 KiB, or removes it (the messenger checks and says why not).
 * - Invite links (who may add members): "New invite link" makes one and shows it as a QR code
 *   and text; the live links with their expiry and a Revoke button; whether a join waits for an
 *   admin's approval; the requests waiting, each with Approve and Decline (any admin may settle
 *   one: the others' lists follow).
 * - "Join by link": paste a `parley://group/…` link; the answer is said in words.
 */
import type { GroupView, MessengerApi } from '../../messenger/types.js'
import type { ViewHost } from './view-kit.js'

/** The largest picture the messenger takes (PROTOCOL.md §12.4). */
const MAX_PICTURE_BYTES = 16 * 1024
const PICTURE_TYPES = ['image/png', 'image/jpeg', 'image/webp']

export const INVITE_STYLES = `
img.group-pic { width: 4rem; height: 4rem; border-radius: 50%; object-fit: cover; border: 1px solid var(--_border); }
.picture-row { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; }
section.invites { display: grid; gap: .4rem; margin-bottom: .6rem; } section.invites h3 { margin: .4rem 0 0; font-size: 1em; } section.invites > button, section.invites > select { justify-self: start; }
`

/** "never expires", "expires 3 Jan 12:34". */
function expiryWords (host: ViewHost, expiresAt: number): string {
  return expiresAt === 0 ? 'never expires' : `expires ${host.kit.formatTime(expiresAt)}`
}

/** Runs `fn`; a refusal is said in `error`; resolves whether it went through. */
async function attempt (error: HTMLElement, fn: () => Promise<unknown>): Promise<boolean> {
  error.textContent = ''
  try {
    await fn()
    return true
  } catch (err) {
    error.textContent = (err as Error).message
    return false
  }
}

/**
 * The picture block of the members panel: the picture (if any), and for `mayEdit` a file
 * picker and Remove. `changed` is called with the group's new view.
 */
export function pictureBlock (host: ViewHost, messenger: MessengerApi, g: GroupView, mayEdit: boolean, error: HTMLElement, changed: (g: GroupView) => void): HTMLElement {
  const { h } = host.kit
  const img = h('img', { class: 'group-pic', part: 'group-picture', alt: `Picture of ${g.name}`, hidden: true })
  if (g.picture != null) {
    void messenger.groupPicture(g.id).then((p) => {
      if (p == null) return
      img.src = URL.createObjectURL(new Blob([p.bytes as Uint8Array<ArrayBuffer>], { type: p.mime }))
      img.hidden = false
    }, (err: unknown) => { error.textContent = (err as Error).message })
  }
  const input = h('input', {
    type: 'file', id: 'group-picture-input', accept: PICTURE_TYPES.join(','), hidden: true, 'aria-label': 'Group picture file',
    onchange: () => {
      const file = input.files?.[0]
      input.value = ''
      if (file == null) return
      if (file.size > MAX_PICTURE_BYTES) { error.textContent = `A group picture is at most 16 KiB (this one is ${Math.ceil(file.size / 1024)} KiB).`; return }
      void attempt(error, async () => {
        changed(await messenger.setGroupPicture(g.id, { bytes: new Uint8Array(await file.arrayBuffer()), mime: file.type }))
      })
    }
  })
  return h('div', { class: 'picture-row' }, img,
    mayEdit ? h('button', { type: 'button', class: 'secondary', part: 'button', id: 'group-picture-set', onclick: () => { input.click() } }, g.picture == null ? 'Set picture' : 'Change picture') : null,
    mayEdit ? input : null,
    mayEdit && g.picture != null ? h('button', { type: 'button', class: 'secondary', part: 'button', onclick: () => { void attempt(error, async () => { changed(await messenger.setGroupPicture(g.id, null)) }) } }, 'Remove picture') : null,
    !mayEdit && g.picture == null ? h('span', { class: 'hint' }, 'No picture') : null)
}

/**
 * The invite section of the members panel (for those who may add members): a new link as a QR
 * code, the live links, the join setting and the requests waiting. Fills `section` now and again
 * whenever a request arrives or is settled while it is on screen; returns what stops that.
 */
export function inviteSection (host: ViewHost, messenger: MessengerApi, g: GroupView, section: HTMLElement, error: HTMLElement): () => void {
  const { h, fill } = host.kit
  let shown = true
  const render = async (): Promise<void> => {
    const [links, requests] = await Promise.all([messenger.groupLinks(g.id), messenger.groupJoinRequests(g.id)])
    if (!shown) return
    const mode = h('select', {
      id: 'group-join-mode', part: 'join-mode',
      onchange: () => { void attempt(error, async () => { await messenger.setGroupJoinApproval(g.id, mode.value === 'auto' ? 'auto' : 'approve') }) }
    }, h('option', { value: 'approve', selected: g.joinByLink !== 'auto' }, 'An admin approves each'), h('option', { value: 'auto', selected: g.joinByLink === 'auto' }, 'Anyone with the link joins'))
    fill(section,
      h('h3', { id: 'invites-title' }, 'Invite links'),
      h('button', { type: 'button', class: 'secondary', part: 'button', id: 'new-group-link', onclick: () => { void newLink(host, messenger, g, error).then(() => render()) } }, 'New invite link'),
      links.length === 0
        ? h('p', { class: 'hint' }, 'No live invite links.')
        : h('ul', { class: 'rows', 'aria-label': 'Live invite links', part: 'group-links' }, ...links.map((l) =>
          h('li', { 'data-link-id': l.linkId },
            h('div', { class: 'who' }, h('span', { class: 'name' }, `Link by ${l.creator === messenger.address ? 'you' : host.kit.shortAddress(l.creator)}`), h('span', { class: 'meta' }, expiryWords(host, l.expiresAt))),
            h('button', { type: 'button', class: 'danger', part: 'button danger-button', 'aria-label': `Revoke the link by ${l.creator === messenger.address ? 'you' : host.kit.shortAddress(l.creator)}, ${expiryWords(host, l.expiresAt)}`, onclick: () => { void attempt(error, async () => { await messenger.revokeGroupLink(g.id, l.linkId) }).then(() => render()) } }, 'Revoke')))),
      h('label', { for: 'group-join-mode' }, 'Joining by link: '), mode,
      h('h3', { id: 'requests-title' }, `Waiting to join (${requests.length})`),
      requests.length === 0
        ? h('p', { class: 'hint' }, 'Nobody is waiting.')
        : h('ul', { class: 'rows', 'aria-labelledby': 'requests-title', part: 'join-requests' }, ...requests.map((r) => {
          const who = host.contacts().find((c) => c.address === r.address)?.name ?? host.kit.shortAddress(r.address)
          return h('li', { 'data-address': r.address },
            h('div', { class: 'who' }, h('span', { class: 'name' }, who), h('span', { class: 'meta' }, `asked ${host.kit.formatTime(r.at)}`)),
            h('div', { class: 'row-actions' },
              h('button', { type: 'button', class: 'primary', part: 'button', 'aria-label': `Approve ${who}`, onclick: () => { void attempt(error, async () => { await messenger.approveGroupJoin(g.id, r.address) }).then(() => render()) } }, 'Approve'),
              h('button', { type: 'button', class: 'danger', part: 'button danger-button', 'aria-label': `Decline ${who}`, onclick: () => { void attempt(error, async () => { await messenger.declineGroupJoin(g.id, r.address) }).then(() => render()) } }, 'Decline')))
        })))
  }
  const again = (evt: CustomEvent<{ groupId: string }>): void => { if (evt.detail.groupId === g.id) void render().catch((err: unknown) => { error.textContent = (err as Error).message }) }
  messenger.addEventListener('group-join-requested', again)
  messenger.addEventListener('group-join-settled', again)
  void render().catch((err: unknown) => { error.textContent = (err as Error).message })
  return () => {
    shown = false
    messenger.removeEventListener('group-join-requested', again)
    messenger.removeEventListener('group-join-settled', again)
  }
}

/** Makes an invite link (7 days) and shows it as a QR code and text (the encoder loads here, once). */
async function newLink (host: ViewHost, messenger: MessengerApi, g: GroupView, error: HTMLElement): Promise<void> {
  let link = ''
  if (!await attempt(error, async () => { link = (await messenger.createGroupLink(g.id)).link })) return
  const { h, showDialog } = host.kit
  const { qrDataUrl } = await import('./qr.js')
  const dialog = h('dialog', { part: 'dialog qr-dialog group-link-dialog', 'aria-labelledby': 'group-link-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'group-link-title' }, `Invite to ${g.name}`),
      h('img', { class: 'qr', src: await qrDataUrl(link), alt: `QR code of an invite link to ${g.name}`, width: 240, height: 240, part: 'qr' }),
      h('p', { class: 'hint' }, `Whoever scans or opens this link can ask to join${g.joinByLink === 'auto' ? ' and is let in at once' : '; an admin lets them in'}. It lives 7 days unless revoked.`),
      h('label', { for: 'group-link-text', class: 'visually-hidden' }, 'Invite link'),
      h('input', { id: 'group-link-text', readonly: true, value: link, part: 'input', onfocus: (evt: FocusEvent) => { (evt.target as HTMLInputElement).select() } }),
      h('div', { class: 'dialog-actions' }, h('button', { value: 'close', class: 'primary', part: 'button', autofocus: true }, 'Close'))))
  await showDialog(host.root, dialog)
}

/** "Join by link": asks to join the group of a pasted invite link; the group opens when this account is a member. */
export async function showJoin (host: ViewHost, messenger: MessengerApi): Promise<void> {
  const { h, showDialog } = host.kit
  const input = h('input', { id: 'join-group-link', name: 'link', autocomplete: 'off', part: 'input', placeholder: 'parley://group/…', autofocus: true })
  const error = h('p', { class: 'error', role: 'alert' })
  const status = h('p', { class: 'hint', role: 'status' })
  let joined: string | undefined
  const dialog: HTMLDialogElement = h('dialog', { part: 'dialog join-group-dialog', 'aria-labelledby': 'join-group-title' },
    h('form', {
      onsubmit: (evt: Event) => {
        evt.preventDefault()
        const link = input.value.trim()
        if (link === '') { error.textContent = 'Paste an invite link.'; input.focus(); return }
        void attempt(error, async () => {
          const result = await messenger.joinGroupByLink(link)
          if (result.status === 'member') { joined = result.groupId; dialog.close('joined'); return }
          status.textContent = `Asked to join “${result.name}”. You will see the group once you are let in.`
        })
      }
    },
    h('h2', { id: 'join-group-title' }, 'Join a group by link'),
    h('label', { for: 'join-group-link' }, 'Invite link'), input,
    status, error,
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'secondary', part: 'button', onclick: () => { dialog.close('cancel') } }, 'Close'),
      h('button', { type: 'submit', class: 'primary', part: 'button' }, 'Ask to join'))))
  const answered = (evt: CustomEvent<{ status: string, code?: string }>): void => {
    const { status: answer, code } = evt.detail
    status.textContent = answer === 'pending' ? 'Your request waits for an admin.' : answer === 'declined' ? 'An admin declined your request.' : `The link was refused (${code ?? 'invalid'}).`
  }
  const admitted = (evt: CustomEvent<{ group: GroupView }>): void => {
    if (evt.detail.group.self === 'member') { joined = evt.detail.group.id; dialog.close('joined') }
  }
  messenger.addEventListener('group-join-answered', answered)
  messenger.addEventListener('group-updated', admitted)
  try {
    await showDialog(host.root, dialog)
  } finally {
    messenger.removeEventListener('group-join-answered', answered)
    messenger.removeEventListener('group-updated', admitted)
  }
  if (joined != null) await host.openConversation(joined)
}
