// Groups in the web UI (issue #20): creating one (a name and contacts), the members panel (add,
// remove, promote, demote, rename, leave), the header's line, and "read by 3 of 7" under my
// messages. The group's id is its conversation id; messages go through the conversation routes.
import { api, seg } from './api.js'
import { $, el, short } from './dom.js'
import { receiptWords } from './group-words.js'

/** How often the receipts under my messages of the open group are refreshed (receipts arrive per member). */
const RECEIPTS_EVERY_MS = 4000
/** My newest messages of the open group whose receipts are shown. */
const RECEIPTS_SHOWN = 30

/**
 * `ctx`: `state` (me, contacts, groups: Map id → GroupView, current), `guard(fn)`, `nameOf(address)`,
 * `openConversation(conversation)`, `groupChanged(group)` (a view the API returned).
 */
export function setupGroups (ctx) {
  const { state } = ctx
  const isAdmin = (group) => group?.members.some((m) => m.address === state.me && m.role === 'admin') === true
  const others = (group) => Math.max(0, (group?.members.length ?? 1) - 1)
  /** You first, then admins, then by name. */
  const sorted = (members) => [...members].sort((a, b) => (a.address === state.me ? -1 : b.address === state.me ? 1 : 0) || (a.role === b.role ? ctx.nameOf(a.address).localeCompare(ctx.nameOf(b.address)) : a.role === 'admin' ? -1 : 1))

  // ------------------------------------------------------------ create

  function contactPicks (container, exclude) {
    const picks = state.contacts.filter((c) => !exclude.has(c.address)).map((c) =>
      el('label', { class: 'pick' }, el('input', { type: 'checkbox', value: c.address }), ` ${c.name}`, el('span', { class: 'meta' }, ` ${short(c.address)}`)))
    container.replaceChildren(...picks)
    if (picks.length === 0) container.append(el('p', { class: 'hint' }, exclude.size > 0 ? 'Every contact is already in the group.' : 'Add contacts first: a group is made of contacts.'))
  }
  const picked = (container) => [...container.querySelectorAll('input:checked')].map((i) => i.value)

  /** The contacts as the daemon has them now (the page's own list may still be loading). */
  async function freshContacts () {
    const { items } = await ctx.guard(() => api('GET', '/v1/contacts'))
    state.contacts = items
  }
  $('new-group').addEventListener('click', () => {
    void (async () => {
      await freshContacts()
      $('new-group-form').reset()
      $('new-group-error').textContent = ''
      contactPicks($('new-group-members'), new Set())
      $('new-group-dialog').showModal()
    })().catch(() => {}) // guard() has said what failed
  })
  $('new-group-form').addEventListener('submit', async (event) => {
    if (event.submitter?.value === 'cancel') return
    event.preventDefault()
    const name = $('new-group-name').value.trim()
    const members = picked($('new-group-members'))
    if (name === '') { $('new-group-error').textContent = 'Give the group a name.'; return }
    if (members.length === 0) { $('new-group-error').textContent = 'Choose at least one contact.'; return }
    try {
      const group = await api('POST', '/v1/groups', { name, members })
      $('new-group-dialog').close()
      ctx.groupChanged(group)
      await ctx.openConversation(await api('GET', `/v1/conversations/${seg(group.id)}`))
    } catch (err) { $('new-group-error').textContent = err.message }
  })

  // ------------------------------------------------------------ members panel

  let panelGroup = null
  async function change (action) {
    $('group-error').textContent = ''
    try {
      const group = await action()
      ctx.groupChanged(group)
      if (panelGroup?.id === group.id) renderPanel(group)
    } catch (err) { $('group-error').textContent = err.message }
  }
  const call = (path, members) => change(() => api('POST', `/v1/groups/${seg(panelGroup.id)}${path}`, { members }))

  function renderPanel (group) {
    panelGroup = group
    const admin = isAdmin(group)
    const member = group.self === 'member'
    $('group-title').textContent = group.name
    $('group-summary').textContent = `${group.members.length} member${group.members.length === 1 ? '' : 's'}${admin ? ' · you are an admin' : ''}${member ? '' : group.self === 'left' ? ' · you left this group' : ' · you were removed from this group'}`
    const rows = sorted(group.members)
    $('group-members').replaceChildren(...rows.map((m) => {
      const who = m.address === state.me ? 'You' : ctx.nameOf(m.address)
      const actions = admin && member && m.address !== state.me
        ? [m.role === 'admin'
            ? el('button', { type: 'button', class: 'secondary', 'aria-label': `Remove as admin: ${who}`, onclick: () => { void call('/admins/remove', [m.address]) } }, 'Remove as admin')
            : el('button', { type: 'button', class: 'secondary', 'aria-label': `Make admin: ${who}`, onclick: () => { void call('/admins', [m.address]) } }, 'Make admin'),
          el('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${who}`, onclick: () => { if (confirm(`Remove ${who} from ${group.name}?`)) void call('/members/remove', [m.address]) } }, 'Remove')]
        : []
      return el('li', { 'data-address': m.address },
        el('span', { class: 'who' }, el('span', { class: 'name' }, who), el('span', { class: 'meta' }, m.role === 'admin' ? 'admin' : 'member')),
        el('span', { class: 'row-actions' }, ...actions))
    }))
    $('group-add').hidden = !member
    contactPicks($('group-add-options'), new Set(group.members.map((m) => m.address)))
    $('group-add-button').hidden = $('group-add-options').querySelector('input') == null
    $('group-leave').hidden = !member
  }

  async function openPanel () {
    const id = state.current?.id
    if (id == null) return
    $('group-error').textContent = ''
    const [group] = await Promise.all([ctx.guard(() => api('GET', `/v1/groups/${seg(id)}`)), freshContacts()])
    renderPanel(group)
    $('group-dialog').showModal()
  }
  $('members').addEventListener('click', () => { void openPanel() })
  $('group-add-button').addEventListener('click', () => {
    const members = picked($('group-add-options'))
    if (members.length === 0) { $('group-error').textContent = 'Choose the contacts to add.'; return }
    void call('/members', members)
  })
  $('group-leave').addEventListener('click', () => {
    if (!confirm(`Leave ${panelGroup.name}? You will no longer receive its messages.`)) return
    void change(() => api('POST', `/v1/groups/${seg(panelGroup.id)}/leave`))
  })

  // ------------------------------------------------------------ header and receipts

  /** The chat header's line for the open group, and whether this account may still send. */
  function header (conversation) {
    const group = state.groups.get(conversation.id)
    $('chat-title').textContent = group?.name ?? conversation.title
    const names = sorted(group?.members ?? []).map((m) => m.address === state.me ? 'You' : ctx.nameOf(m.address))
    const standing = group == null ? '' : group.self === 'left' ? 'You left this group' : group.self === 'removed' ? 'You were removed from this group' : ''
    $('chat-sub').textContent = standing !== '' ? standing : `${names.length} members: ${names.join(', ')}`
    $('timer').value = group == null || group.timerMs === 0 ? '' : String(group.timerMs)
    return group?.self === 'member'
  }

  /** Fills `.receipts` of my newest rendered messages in the open group from GET …/receipts. */
  let refreshing = false
  async function refreshReceipts () {
    const c = state.current
    if (c?.kind !== 'group' || document.hidden || refreshing) return
    refreshing = true
    try { await receiptsOf(c) } finally { refreshing = false }
  }
  async function receiptsOf (c) {
    const group = state.groups.get(c.id)
    const mine = [...state.rendered.entries()].filter(([, li]) => li.classList.contains('out') && li.querySelector('.receipts') != null).slice(-RECEIPTS_SHOWN)
    for (const [id, li] of mine) {
      const counts = await api('GET', `/v1/groups/${seg(c.id)}/messages/${seg(id)}/receipts`).catch(() => undefined)
      if (counts == null || state.current?.id !== c.id) continue
      const span = li.querySelector('.receipts')
      const words = receiptWords(counts, others(group))
      if (span != null && span.textContent !== words) span.textContent = words
    }
  }
  setInterval(() => { void refreshReceipts() }, RECEIPTS_EVERY_MS)

  return { header, refreshReceipts, isAdmin }
}
