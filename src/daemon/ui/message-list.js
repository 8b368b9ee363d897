// The open conversation's message list: each message (text, file, picture, voice note, notice,
// the sender's name in groups, ticks, receipts, timers, reactions) and the lines for changes no
// stored message says (a secret chat ended, a group's membership changed).
import { api, seg } from './api.js'
import { renderAttachment } from './attachments.js'
import { $, el, timeOf } from './dom.js'
import { openPicture } from './file-composer.js'
import { waitingText } from './reachability.js'
import { groupHop, left, tickLabel, tickText } from './ticks.js'

/** `ctx`: `state` (current, rendered, reachability), `contactFor(address)`, `guard(fn)`, `showBanner(text)`, `remove(id, forEveryone)`. */
export function createMessageList (ctx) {
  const { state, contactFor, guard, showBanner, remove } = ctx
  function renderMessage (m) {
    const ticks = (status) => el('span', { class: `ticks ${status}`, 'data-status': status, role: 'img', title: tickLabel(status, m.id, m.lastError), 'aria-label': tickLabel(status, m.id, m.lastError) }, tickText(status, m.route))
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
      m.direction === 'out' ? ticks(inGroup ? groupHop(m.status, m.route) : m.status) : null,
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

  /** Chat lines for changes no stored message says (a secret chat ended: it is wiped; a group's membership changed), per conversation. */
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

  /** Marks the conversation's lines as not on screen (it is being drawn again). */
  function resetLines (conversationId) { for (const line of lines.get(conversationId) ?? []) line.shown = false }

  return { renderMessage, addLine, placeLines, noteChanges, scrollDown, resetLines }
}
