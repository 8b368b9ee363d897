/**
 * One entry of the conversation log, for every kind of message a `MessageView` carries: text
 * (with replies, edits and reactions), notices (a screenshot taken, …) and kinds this version
 * cannot show; and the element's own chat lines (a timer changed, a secret chat accepted).
 */
import type { ConversationView, MessageView } from '../../messenger/types.js'
import { DELIVERY_TICKS, deliveryLabel, formatTime, h } from './dom.js'

export interface MessageContext {
  /** Display name of the other participant. */
  peerName: string
  /** Why delivery failed (a `delivery` event's reason, or the message's `lastError`). */
  failure?: string
  /** Why a queued message waits ("waiting: relay unreachable: …"), or "sending…". */
  waiting?: string
  /** Text of the message this one replies to, when it is on screen. */
  replyText?: string
  /** Shown when this message may be deleted for everyone. */
  onDelete?: () => void
  /** A `file` message's attachment (picture, player, link), when the file views are loaded. */
  file?: HTMLElement
  /** Groups: an incoming message shows its sender's name (`peerName`) above the text. */
  showSender?: boolean
  /** Groups: receipts of a message of mine in words ("read by 2 of 3"). */
  receipts?: string
}

/** The element's file views (`file-views.ts`, a lazy chunk): a message's attachment, and the composer's controls. */
export interface FileUi {
  render: (m: MessageView) => HTMLElement
  controls: (c: ConversationView) => HTMLElement | null
}

/** A line of the chat that is not a message: a setting changed, a secret chat accepted, … */
export interface ChatLine {
  at: number
  text: string
}

/**
 * Chat lines for what changed between two views of a conversation that no stored message says:
 * a secret chat ended (it is wiped, its notices with it). A timer change and a secret chat
 * accepted are stored notices (`kind: 'notice'`), shown with the messages.
 */
export function changeLines (before: ConversationView, next: ConversationView, at: number): ChatLine[] {
  if (before.secretState !== next.secretState && next.kind === 'secret' && next.secretState === 'closed') return [{ at, text: 'Secret chat ended' }]
  return []
}

export function renderLine (line: ChatLine): HTMLLIElement {
  return h('li', { class: 'line', part: 'chat-line' }, h('span', {}, line.text), ' ', h('time', { datetime: new Date(line.at).toISOString() }, formatTime(line.at)))
}

export function renderMessage (m: MessageView, ctx: MessageContext): HTMLLIElement {
  const who = m.direction === 'out' ? 'You' : ctx.peerName
  if (m.kind === 'notice') {
    // e.g. "Bob took a screenshot": the notice's text follows who did it
    return h('li', { class: 'line notice', part: 'chat-line notice', 'data-id': m.id },
      h('span', {}, `${who} ${m.text ?? ''}`.trim()), ' ', h('time', { datetime: new Date(m.sentAt).toISOString() }, formatTime(m.sentAt)))
  }
  const body = m.kind === 'text'
    ? h('span', { class: 'text' }, m.text ?? '')
    : m.kind === 'file'
      ? h('span', { class: 'text' }, ctx.file ?? `📎 ${m.attachment?.name ?? 'file'}`, m.text != null ? h('span', { class: 'caption' }, m.text) : null)
      : h('em', { class: 'text unsupported' }, 'A message this version of Parley cannot show (sent by a newer version)')
  const edited = (m.editHistory?.length ?? 0) > 0
  const reactions = Object.entries(m.reactions).filter(([, by]) => by.length > 0)
  return h('li', { class: `msg ${m.direction}`, part: `message message-${m.direction}`, 'data-id': m.id, 'data-status': m.status },
    ctx.showSender === true && m.direction === 'in'
      ? h('span', { class: 'sender', part: 'sender' }, who, h('span', { class: 'visually-hidden' }, ': '))
      : h('span', { class: 'visually-hidden' }, `${who}: `),
    m.replyTo != null
      ? h('span', { class: 'reply', part: 'reply' }, `↩ ${ctx.replyText != null ? `“${ctx.replyText.slice(0, 60)}”` : 'in reply to an earlier message'}`)
      : null,
    body,
    reactions.length > 0
      ? h('span', { class: 'reactions', part: 'reactions' }, ...reactions.map(([emoji, by]) =>
        h('span', { class: 'reaction', role: 'img', 'aria-label': `${emoji} from ${by.length} ${by.length === 1 ? 'person' : 'people'}` }, by.length > 1 ? `${emoji} ${by.length}` : emoji)))
      : null,
    h('span', { class: 'meta' },
      edited ? h('span', { class: 'edited', title: `Earlier: ${(m.editHistory ?? []).join(' → ')}` }, 'edited') : null,
      m.expiresAt != null ? h('span', { title: `Disappears ${new Date(m.expiresAt).toLocaleString()}`, role: 'img', 'aria-label': 'Disappearing message' }, '◷') : null,
      h('time', { datetime: new Date(m.sentAt).toISOString() }, formatTime(m.sentAt)),
      m.direction === 'out' ? renderTicks(m.status, ctx.failure, m.route) : null,
      ctx.onDelete != null
        ? h('button', { type: 'button', class: 'delete', part: 'delete-button', 'aria-label': 'Delete for everyone', title: 'Delete for everyone', onclick: ctx.onDelete }, '✕')
        : null),
    ctx.receipts != null ? h('span', { class: 'receipts', part: 'receipts' }, ctx.receipts) : null,
    // why a queued message waits, on a line of its own (the relay's address only in the tooltip)
    ctx.waiting != null ? h('span', { class: 'waiting', part: 'waiting', title: ctx.waiting }, ctx.waiting.replace(/ \([^()]*\)$/, '')) : null,
    // a message given up on says so in words, not only by its ⚠
    m.direction === 'out' && m.status === 'failed' ? h('span', { class: 'waiting failed', part: 'failure' }, `not delivered: ${ctx.failure ?? 'gave up after retrying'}`) : null)
}

/**
 * Ticks of an outgoing message: the glyph, the first hop in words ("direct" / "via relay"; the
 * spoken label already says it: "Sent" is direct, "Stored at relay"), "read" on a filled pill,
 * and the state as accessible name and tooltip.
 */
export function renderTicks (status: string, failure?: string, route?: 'direct' | 'relay'): HTMLElement {
  const tick = DELIVERY_TICKS[status] ?? DELIVERY_TICKS.queued
  // delivered and read keep the first hop in words: "✓✓ via relay", "Delivered via relay"
  const via = (status === 'delivered' || status === 'read') && route != null ? (route === 'relay' ? 'via relay' : 'direct') : undefined
  const label = `${deliveryLabel(status, failure)}${via != null ? ` ${via}` : ''}`
  return h('span', { class: 'ticks', part: `ticks ticks-${status}`, 'data-state': status, role: 'img', 'aria-label': label, title: label },
    h('span', { 'aria-hidden': 'true' }, tick.glyph),
    tick.route != null ? h('span', { class: 'route', 'aria-hidden': 'true' }, tick.route) : null,
    via != null ? h('span', { class: 'route', 'aria-hidden': 'true' }, via) : null,
    status === 'read' ? h('span', { class: 'route', 'aria-hidden': 'true' }, 'read') : null)
}
