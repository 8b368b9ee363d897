// Group invite links in the web UI (issue #20): "Invite link" in a group's members panel opens
// the invite dialog — a new link with its QR code (expiry chosen), the join setting for admins
// (approve each request, or accept at once) and the requests waiting for approval; "Join group"
// beside "New group" asks to join by a pasted link and says what the link's creator answered.
import { api, seg } from './api.js'
import { $, el, short } from './dom.js'

const EXPIRY_CHOICES = [['1 day', 86_400_000], ['7 days', 7 * 86_400_000], ['30 days', 30 * 86_400_000], ['Never', null]]

/** What a link refusal means, in words. */
const REFUSALS = {
  ERR_INVALID_GROUP_LINK: 'This link is not valid (mistyped, or not a link of that group).',
  ERR_GROUP_LINK_EXPIRED: 'This link has expired. Ask for a new one.',
  ERR_GROUP_LINK_REVOKED: 'This link was revoked. Ask for a new one.'
}

/**
 * `ctx`: `state` (me, current, groups), `nameOf(address)`, `groupChanged(group)`, `isAdmin(group)`,
 * `handlers` (the SSE handlers: `group-join-requested` and `group-join-answered` are added, and
 * `group-updated` is chained, never replaced).
 */
export function setupGroupInvites (ctx) {
  const { state } = ctx
  let group = null

  // the two buttons live in markup others own: added here, beside theirs
  const joinButton = el('button', { type: 'button', id: 'join-group', class: 'secondary' }, 'Join group')
  $('new-group').after(joinButton)
  const inviteButton = el('button', { type: 'button', id: 'group-invite', class: 'secondary' }, 'Invite link')
  $('group-leave').before(inviteButton)
  $('invite-expiry').replaceChildren(...EXPIRY_CHOICES.map(([label, ms]) => el('option', { value: ms === null ? 'never' : String(ms), ...(label === '7 days' ? { selected: true } : {}) }, label)))
  async function renderRequests () {
    const { items } = await api('GET', `/v1/groups/${seg(group.id)}/join-requests`)
    $('invite-requests').replaceChildren(...items.map((r) => {
      const who = ctx.nameOf(r.address)
      const answer = (verb) => async () => {
        $('invite-error').textContent = ''
        try {
          const result = await api('POST', `/v1/groups/${seg(group.id)}/join-requests/${seg(r.address)}/${verb}`)
          if (verb === 'approve') ctx.groupChanged(result)
          await renderRequests()
        } catch (err) { $('invite-error').textContent = err.message }
      }
      return el('li', { 'data-address': r.address },
        el('span', { class: 'who' }, el('span', { class: 'name' }, who), el('span', { class: 'meta' }, ` ${short(r.address)}`)),
        el('span', { class: 'row-actions' },
          el('button', { type: 'button', 'aria-label': `Approve ${who}`, onclick: answer('approve') }, 'Approve'),
          el('button', { type: 'button', class: 'secondary', 'aria-label': `Decline ${who}`, onclick: answer('decline') }, 'Decline')))
    }))
    $('invite-requests-none').hidden = items.length > 0
  }

  async function makeLink () {
    $('invite-error').textContent = ''
    const choice = $('invite-expiry').value
    try {
      const made = await api('POST', `/v1/groups/${seg(group.id)}/links`, { expiresInMs: choice === 'never' ? null : Number(choice) })
      const { toString } = await import('./qrcode.js')
      const svg = await toString(made.link, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } })
      $('invite-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
      $('invite-qr').alt = `QR code of the invite link to ${group.name}`
      $('invite-link').value = made.link
      $('invite-made').hidden = false
      $('invite-expires').textContent = made.expiresAt === 0 ? 'This link does not expire; revoke it from the CLI or API when done.' : `This link works until ${new Date(made.expiresAt).toLocaleString()}.`
    } catch (err) { $('invite-error').textContent = err.message }
  }

  async function openInvite () {
    group = state.groups.get(state.current?.id)
    if (group == null) return
    $('invite-title').textContent = `Invite to ${group.name}`
    $('invite-made').hidden = true
    $('invite-link').value = ''
    $('invite-error').textContent = ''
    const admin = ctx.isAdmin(group)
    $('invite-approval').hidden = !admin
    $('invite-auto').checked = group.joinByLink === 'auto'
    $('invite-make').disabled = group.self !== 'member'
    if (group.self !== 'member') $('invite-error').textContent = 'You are no longer a member of this group.'
    $('invite-dialog').showModal()
    await renderRequests().catch((err) => { $('invite-error').textContent = err.message })
  }
  inviteButton.addEventListener('click', () => { void openInvite() })
  $('invite-make').addEventListener('click', () => { void makeLink() })
  $('invite-copy').addEventListener('click', () => { void navigator.clipboard?.writeText($('invite-link').value).catch(() => { $('invite-link').select() }) })
  $('invite-auto').addEventListener('change', async () => {
    $('invite-error').textContent = ''
    try {
      ctx.groupChanged(await api('POST', `/v1/groups/${seg(group.id)}/join-approval`, { mode: $('invite-auto').checked ? 'auto' : 'approve' }))
    } catch (err) { $('invite-error').textContent = err.message }
  })

  // ------------------------------------------------------------ join by link

  joinButton.addEventListener('click', () => {
    $('join-form').reset()
    $('join-status').textContent = ''
    $('join-dialog').showModal()
  })
  let joining = null
  /** What the creator answered, by group id, since the last "Ask to join" (shown once the request's response names the group). */
  const answers = new Map()
  const answer = (groupId, text) => {
    answers.set(groupId, text)
    if (groupId === joining) $('join-status').textContent = text
  }
  $('join-form').addEventListener('submit', async (event) => {
    if (event.submitter?.value === 'cancel') return
    event.preventDefault()
    const link = $('join-link').value.trim()
    if (link === '') { $('join-status').textContent = 'Paste the link you were given.'; return }
    try {
      answers.clear()
      const result = await api('POST', '/v1/groups/join', { link })
      joining = result.groupId
      // the creator's answer may come over the event stream before this response
      $('join-status').textContent = answers.get(result.groupId) ?? (result.status === 'member' ? `You are already in ${result.name}.` : `Asked to join ${result.name}. You are in as soon as the link's creator accepts.`)
    } catch (err) { $('join-status').textContent = REFUSALS[err.code] ?? err.message }
  })

  ctx.handlers['group-join-requested'] = ({ groupId }) => {
    if ($('invite-dialog').open && group?.id === groupId) void renderRequests().catch((err) => { $('invite-error').textContent = err.message })
  }
  ctx.handlers['group-join-answered'] = ({ groupId, status, code }) => {
    answer(groupId, status === 'pending' ? 'Your request waits for approval.' : status === 'declined' ? 'Your request was declined.' : REFUSALS[code] ?? `Refused (${code}).`)
  }
  const updated = ctx.handlers['group-updated']
  ctx.handlers['group-updated'] = (detail) => {
    updated?.(detail)
    if (detail.group.self === 'member' && $('join-dialog').open) answer(detail.group.id, `You joined ${detail.group.name}.`)
  }
}
