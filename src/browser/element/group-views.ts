/**
 * Groups in `<parley-chat>` (issue #20; docs/BROWSER.md, "Groups"): a lazy chunk of the
 * element, loaded once a group is listed or "New group" is pressed.
 *
 * - The open group's header: its name, who is in it ("3 members: You, Bob, Carol") or why this
 *   account can no longer send ("You left this group"), a Members button, and the disappearing
 *   timer (an admin's setting: others see it, disabled).
 * - Its log: each incoming message under its sender's name; "read by 2 of 3" under mine, from
 *   the members' receipts (`groupReceipts`), refreshed with the list and every few seconds while
 *   the group is on screen.
 * - "New group": a name and contacts to add. The members panel: the members (you first, then
 *   admins, then by name) with their roles; an admin adds contacts, removes members (after a
 *   confirmation), makes or unmakes admins and renames the group; every member may leave.
 */
import type { ConversationView, GroupView, MessageView, MessengerApi } from '../../messenger/types.js'
import type { GroupUi } from './render-conversation.js'
import type { ChatLine } from './render-message.js'
import type { ViewHost } from './view-kit.js'

/** Styles of the group views, added to the element's shadow root when they load. */
const GROUP_STYLES = `
li.msg .sender { display: block; font-size: .8em; font-weight: 600; color: var(--_accent); }
li.msg .receipts { display: block; font-size: .75em; text-align: end; }
.members-line { flex-basis: 100%; margin: 0; font-size: .85em; color: var(--_muted); overflow-wrap: anywhere; }
dialog fieldset { border: 1px solid var(--_border); border-radius: 6px; margin: 0; padding: .5rem; } dialog legend { font-size: .9em; color: var(--_muted); }
.picks { display: grid; gap: .3rem; max-height: 12rem; overflow-y: auto; } label.pick { display: flex; gap: .4rem; align-items: center; }
.group-extra { display: grid; gap: .6rem; margin-bottom: .6rem; } form.add-members { display: grid; gap: .4rem; justify-items: start; }
`

/** My newest messages of the open group whose receipts are shown. */
const RECEIPTS_SHOWN = 30

/** "read by 3 of 7", "read by 1 of 7, delivered to 4", "delivered to 2 of 7", or undefined (none yet). */
export function receiptWords (counts: { delivered: number, read: number }, others: number): string | undefined {
  if (counts.read > 0) return `read by ${counts.read} of ${others}${counts.delivered > counts.read ? `, delivered to ${counts.delivered}` : ''}`
  if (counts.delivered > 0) return `delivered to ${counts.delivered} of ${others}`
  return undefined
}

const UNITS: Array<[number, string]> = [[604_800_000, 'week'], [86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']]

function durationWords (ms: number): string {
  for (const [size, name] of UNITS) {
    if (ms >= size) { const n = Math.round(ms / size); return `${n} ${name}${n === 1 ? '' : 's'}` }
  }
  return `${ms} ms`
}

function listWords (names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

/**
 * What a group change reads as, from the group before and after: "Bob and Carol joined the
 * group", "Dave is no longer in the group", "Bob is now an admin", "The group was renamed to
 * “Trip”", "Disappearing messages set to 1 hour", "You were removed from the group". The views
 * say what changed, not who changed it.
 */
export function membershipLines (before: GroupView, after: GroupView, nameOf: (address: string) => string, me: string): string[] {
  const out: string[] = []
  const was = new Map(before.members.map((m) => [m.address, m.role]))
  const now = new Map(after.members.map((m) => [m.address, m.role]))
  const joined = [...now.keys()].filter((a) => !was.has(a) && a !== me)
  const gone = [...was.keys()].filter((a) => !now.has(a) && a !== me)
  if (joined.length > 0) out.push(`${listWords(joined.map(nameOf))} joined the group`)
  if (gone.length > 0) out.push(`${listWords(gone.map(nameOf))} ${gone.length === 1 ? 'is' : 'are'} no longer in the group`)
  for (const [address, role] of now) {
    const prior = was.get(address)
    if (prior == null || prior === role) continue
    const self = address === me
    out.push(`${self ? 'You' : nameOf(address)} ${self ? 'are' : 'is'} ${role === 'admin' ? 'now an admin' : 'no longer an admin'}`)
  }
  if (before.name !== after.name) out.push(`The group was renamed to “${after.name}”`)
  if (before.timerMs !== after.timerMs) out.push(after.timerMs > 0 ? `Disappearing messages set to ${durationWords(after.timerMs)}` : 'Disappearing messages turned off')
  if (before.self === 'member' && after.self === 'removed') out.push('You were removed from the group')
  if (before.self === 'member' && after.self === 'left') out.push('You left the group')
  return out
}

export class GroupViews implements GroupUi {
  readonly #groups = new Map<string, GroupView>()
  /** Membership lines per group, the last 50 each (kept while the element lives). */
  readonly #lines = new Map<string, ChatLine[]>()
  /** Receipt words by message id (my messages in groups). */
  readonly #receipts = new Map<string, string>()
  /** The members panel, while open: its group and what re-renders it. */
  #panel: { id: string, render: (group: GroupView) => void } | undefined

  constructor (private readonly host: ViewHost) {
    host.root.append(host.kit.h('style', {}, GROUP_STYLES))
  }

  #me (): string { return this.host.messenger()?.address ?? '' }

  #extrasLoading: Promise<typeof import('./group-invite-views.js')> | undefined

  /** The invite links, join by link and picture views: a chunk of their own, loaded once, its styles added then. */
  async #extras (): Promise<typeof import('./group-invite-views.js')> {
    this.#extrasLoading ??= import('./group-invite-views.js').then((mod) => { this.host.root.append(this.host.kit.h('style', {}, mod.INVITE_STYLES)); return mod })
    return await this.#extrasLoading
  }

  /** A member's name: "You", the contact's name, or a short form of the address. */
  nameOf (address: string): string {
    if (address === this.#me()) return 'You'
    const contact = this.host.contacts().find((c) => c.address === address)
    return contact != null && contact.name !== '' ? contact.name : this.host.kit.shortAddress(address)
  }

  #isAdmin (group: GroupView | undefined): boolean {
    return group?.self === 'member' && group.members.some((m) => m.address === this.#me() && m.role === 'admin')
  }

  /** You first, then admins, then by name. */
  #sorted (group: GroupView): GroupView['members'] {
    const me = this.#me()
    return [...group.members].sort((a, b) => (a.address === me ? -1 : b.address === me ? 1 : 0) ||
      (a.role === b.role ? this.nameOf(a.address).localeCompare(this.nameOf(b.address)) : a.role === 'admin' ? -1 : 1))
  }

  header (c: ConversationView): HTMLElement[] {
    const { h, timerChoices } = this.host.kit
    const group = this.#groups.get(c.id)
    const admin = this.#isAdmin(group)
    const standing = group?.self === 'left' ? 'You left this group' : group?.self === 'removed' ? 'You were removed from this group' : undefined
    const names = group == null ? [] : this.#sorted(group).map((m) => this.nameOf(m.address))
    const timerMs = group == null || group.timerMs === 0 ? null : group.timerMs
    const timer = h('select', {
      id: 'timer', part: 'timer', disabled: !admin, title: admin ? undefined : 'Only an admin changes the timer',
      onchange: (evt: Event) => {
        const value = (evt.target as HTMLSelectElement).value
        void this.#change(async (m) => await m.setGroupTimer(c.id, value === 'off' ? null : Number(value)))
      }
    }, ...timerChoices.map((t) => h('option', { value: t.ms ?? 'off', selected: timerMs === t.ms }, t.label)))
    return [
      h('h2', { id: 'conv-title' }, group?.name ?? c.title, h('span', { class: 'badge' }, 'group')),
      h('button', { type: 'button', id: 'members', class: 'secondary', part: 'button members-button', 'aria-haspopup': 'dialog', onclick: () => { void this.showMembers(c.id) } }, 'Members'),
      h('label', { class: 'inline', for: 'timer' }, 'Disappearing', timer),
      h('p', { class: 'members-line', part: 'group-members-line' }, standing ?? (group == null ? '' : `${names.length} member${names.length === 1 ? '' : 's'}: ${names.join(', ')}`))
    ]
  }

  senderName (m: MessageView): string { return m.direction === 'out' ? 'You' : this.nameOf(m.sender) }

  receipts (m: MessageView): string | undefined { return this.#receipts.get(m.id) }

  /** Unknown yet: allowed (the messenger refuses a send it cannot make, and says why). */
  canSend (c: ConversationView): boolean { return this.#groups.get(c.id)?.self !== 'left' && this.#groups.get(c.id)?.self !== 'removed' }

  /**
   * Fetches the open group's view and the receipts of my newest messages in it; true when
   * something shown changed (the element then renders again).
   */
  async sync (c: ConversationView, messages: MessageView[]): Promise<boolean> {
    const messenger = this.host.messenger()
    if (messenger == null) return false
    const group = await messenger.group(c.id)
    let changed = JSON.stringify(this.#groups.get(c.id)) !== JSON.stringify(group)
    this.#know(group)
    const others = Math.max(0, group.members.length - 1)
    const mine = messages.filter((m) => m.direction === 'out' && m.kind !== 'notice').slice(-RECEIPTS_SHOWN)
    const counts = await Promise.all(mine.map(async (m) => await messenger.groupReceipts(c.id, m.id).catch(() => undefined)))
    mine.forEach((m, i) => {
      const known = counts[i]
      const words = known == null ? undefined : receiptWords(known, others)
      if (words == null || this.#receipts.get(m.id) === words) return
      this.#receipts.set(m.id, words)
      changed = true
    })
    return changed
  }

  /** A `group-updated` event, or a view an action returned. */
  updated (group: GroupView): void {
    this.#know(group)
    if (this.#panel?.id === group.id) this.#panel.render(group)
  }

  /** Keeps a group's newest view, with a line for each change since the one before. */
  #know (group: GroupView): void {
    const before = this.#groups.get(group.id)
    this.#groups.set(group.id, group)
    if (before == null) return
    const added = membershipLines(before, group, (a) => this.nameOf(a), this.#me()).map((text) => ({ at: Date.now(), text }))
    if (added.length > 0) this.#lines.set(group.id, [...(this.#lines.get(group.id) ?? []), ...added].slice(-50))
  }

  lines (c: ConversationView): ChatLine[] { return this.#lines.get(c.id) ?? [] }

  isAdmin (c: ConversationView): boolean { return this.#isAdmin(this.#groups.get(c.id)) }

  /** Runs a group change; the view it returns is shown; a refusal is said (in the panel when open). */
  async #change (fn: (m: MessengerApi) => Promise<GroupView>, error?: HTMLElement): Promise<boolean> {
    const messenger = this.host.messenger()
    if (messenger == null) return false
    if (error != null) error.textContent = ''
    try {
      this.updated(await fn(messenger))
      this.host.refresh()
      return true
    } catch (err) {
      if (error != null) error.textContent = (err as Error).message
      else this.host.fail(err)
      return false
    }
  }

  /** Contacts to pick (checkboxes), those in `exclude` left out. */
  #picks (exclude: Set<string>, idPrefix: string): { box: HTMLElement, picked: () => string[] } {
    const { h } = this.host.kit
    const contacts = this.host.contacts().filter((c) => !exclude.has(c.address) && !c.blocked)
    const inputs = contacts.map((c, i) => h('input', { type: 'checkbox', id: `${idPrefix}-${i}`, value: c.address }))
    const box = h('div', { class: 'picks', part: 'contact-picks' },
      ...(contacts.length === 0
        ? [h('p', { class: 'hint' }, exclude.size > 0 ? 'Every contact is already in the group.' : 'Add contacts first: a group is made of contacts.')]
        : contacts.map((c, i) => h('label', { class: 'pick', for: `${idPrefix}-${i}` }, inputs[i], ` ${this.nameOf(c.address)}`))))
    return { box, picked: () => inputs.filter((i) => i.checked).map((i) => i.value) }
  }

  /** "New group": a name and contacts; the group opens once created. */
  async showCreate (): Promise<void> {
    const { h, showDialog } = this.host.kit
    const name = h('input', { id: 'new-group-name', name: 'name', maxlength: 64, autocomplete: 'off', part: 'input', autofocus: true })
    const picks = this.#picks(new Set(), 'new-group-pick')
    const error = h('p', { class: 'error', role: 'alert' })
    let created: GroupView | undefined
    const dialog: HTMLDialogElement = h('dialog', { part: 'dialog group-dialog', 'aria-labelledby': 'new-group-title' },
      h('form', {
        onsubmit: (evt: Event) => {
          evt.preventDefault()
          const text = name.value.trim()
          const members = picks.picked()
          if (text === '') { error.textContent = 'Give the group a name.'; name.focus(); return }
          if (members.length === 0) { error.textContent = 'Choose at least one contact.'; return }
          void this.#change(async (m) => { created = await m.createGroup(text, members); return created }, error).then((ok) => { if (ok) dialog.close('created') })
        }
      },
      h('h2', { id: 'new-group-title' }, 'New group'),
      h('label', { for: 'new-group-name' }, 'Group name'), name,
      h('fieldset', {}, h('legend', {}, 'Members'), picks.box),
      error,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'secondary', part: 'button', id: 'join-by-link', onclick: () => { dialog.close('join') } }, 'Join by link…'),
        h('button', { type: 'button', class: 'secondary', part: 'button', onclick: () => { dialog.close('cancel') } }, 'Cancel'),
        h('button', { type: 'submit', class: 'primary', part: 'button' }, 'Create group'))))
    const closed = await showDialog(this.host.root, dialog)
    if (created != null) await this.host.openConversation(created.id)
    const messenger = this.host.messenger()
    if (closed === 'join' && messenger != null) await (await this.#extras()).showJoin(this.host, messenger)
  }

  /** The members panel of a group. */
  async showMembers (id: string): Promise<void> {
    const messenger = this.host.messenger()
    if (messenger == null) return
    const { h, fill, showDialog } = this.host.kit
    let group: GroupView
    try {
      group = await messenger.group(id)
    } catch (err) { this.host.fail(err); return }
    this.#know(group)
    const extras = await this.#extras()
    const title = h('h2', { id: 'group-title' })
    const summary = h('p', { id: 'group-summary', class: 'hint' })
    const list = h('ul', { class: 'rows', 'aria-labelledby': 'group-title', part: 'member-list' })
    const extra = h('div', { class: 'group-extra' })
    const error = h('p', { class: 'error', role: 'alert' })
    const picture = h('div', {})
    const invites = h('section', { class: 'invites', 'aria-labelledby': 'invites-title', part: 'group-invites' })
    let stopInvites = (): void => {}
    const dialog = h('dialog', { part: 'dialog members-dialog', 'aria-labelledby': 'group-title', 'aria-describedby': 'group-summary' },
      title, picture, summary, list, invites, extra, error,
      h('form', { method: 'dialog', class: 'dialog-actions' }, h('button', { value: 'close', class: 'primary', part: 'button' }, 'Close')))
    const render = (g: GroupView): void => {
      group = g
      const admin = this.#isAdmin(g)
      const member = g.self === 'member'
      title.textContent = g.name
      summary.textContent = `${g.members.length} member${g.members.length === 1 ? '' : 's'}${admin ? ' · you are an admin' : ''}${member ? '' : g.self === 'left' ? ' · you left this group' : ' · you were removed from this group'}`
      fill(list, ...this.#sorted(g).map((m) => this.#memberRow(g, m, admin, error)))
      fill(extra, ...(admin ? this.#adminForms(g, error) : []),
        member ? h('button', { type: 'button', class: 'danger', part: 'button danger-button', onclick: () => { void this.#leave(g, error) } }, 'Leave group') : null)
      // the picture and, for those who may add members, the invite links and join requests (group-invite-views.ts)
      if (typeof messenger.groupPicture === 'function') fill(picture, extras.pictureBlock(this.host, messenger, g, admin, error, (v) => { this.updated(v); this.host.refresh() }))
      stopInvites()
      stopInvites = () => {}
      if (admin && typeof messenger.groupLinks === 'function') stopInvites = extras.inviteSection(this.host, messenger, g, invites, error)
      else fill(invites)
    }
    this.#panel = { id, render }
    render(group)
    await showDialog(this.host.root, dialog)
    stopInvites()
    this.#panel = undefined
  }

  #memberRow (g: GroupView, m: GroupView['members'][number], admin: boolean, error: HTMLElement): HTMLLIElement {
    const { h } = this.host.kit
    const who = this.nameOf(m.address)
    const self = m.address === this.#me()
    const act = (fn: (api: MessengerApi) => Promise<GroupView>): void => { void this.#change(fn, error) }
    return h('li', { 'data-address': m.address, part: 'member-item' },
      h('div', { class: 'who' }, h('span', { class: 'name' }, who), h('span', { class: 'meta' }, m.role === 'admin' ? 'admin' : 'member')),
      admin && !self
        ? h('div', { class: 'row-actions' },
          m.role === 'admin'
            ? h('button', { type: 'button', class: 'secondary', part: 'button', 'aria-label': `Remove as admin: ${who}`, onclick: () => { act(async (api) => await api.demote(g.id, [m.address])) } }, 'Remove as admin')
            : h('button', { type: 'button', class: 'secondary', part: 'button', 'aria-label': `Make admin: ${who}`, onclick: () => { act(async (api) => await api.promote(g.id, [m.address])) } }, 'Make admin'),
          h('button', {
            type: 'button', class: 'danger', part: 'button danger-button', 'aria-label': `Remove ${who}`,
            onclick: () => {
              void this.host.kit.confirmAction(this.host.root, { title: `Remove ${who}?`, body: `${who} will no longer receive the messages of ${g.name}.`, confirmLabel: 'Remove' })
                .then((sure) => { if (sure) act(async (api) => await api.removeMembers(g.id, [m.address])) })
            }
          }, 'Remove'))
        : null)
  }

  /** An admin's forms: add contacts, rename the group. */
  #adminForms (g: GroupView, error: HTMLElement): HTMLElement[] {
    const { h } = this.host.kit
    const picks = this.#picks(new Set(g.members.map((m) => m.address)), 'add-member-pick')
    const name = h('input', { id: 'group-name-input', name: 'name', maxlength: 64, autocomplete: 'off', part: 'input', value: g.name })
    return [
      h('form', {
        class: 'add-members', 'aria-label': 'Add members',
        onsubmit: (evt: Event) => {
          evt.preventDefault()
          const members = picks.picked()
          if (members.length === 0) { error.textContent = 'Choose the contacts to add.'; return }
          void this.#change(async (m) => await m.addMembers(g.id, members), error)
        }
      }, h('fieldset', {}, h('legend', {}, 'Add members'), picks.box), h('button', { type: 'submit', class: 'secondary', part: 'button' }, 'Add')),
      h('form', {
        class: 'rename', 'aria-label': 'Rename the group',
        onsubmit: (evt: Event) => {
          evt.preventDefault()
          const text = name.value.trim()
          if (text !== '' && text !== g.name) void this.#change(async (m) => await m.setGroupName(g.id, text), error)
        }
      }, h('label', { for: 'group-name-input', class: 'visually-hidden' }, 'Group name'), name, h('button', { type: 'submit', class: 'secondary', part: 'button' }, 'Rename group'))
    ]
  }

  async #leave (g: GroupView, error: HTMLElement): Promise<void> {
    const sure = await this.host.kit.confirmAction(this.host.root, {
      title: `Leave ${g.name}?`,
      body: 'You will no longer receive its messages, and cannot send to it. The other members see that you left.',
      confirmLabel: 'Leave group'
    })
    if (sure) await this.#change(async (m) => await m.leaveGroup(g.id), error)
  }
}
