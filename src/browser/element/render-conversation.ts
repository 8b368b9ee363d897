/**
 * The conversation pane: its header (title or rename form, timer, secret-chat actions, safety
 * number), the log of messages and chat lines, the typing line and the composer; or the
 * placeholder when no conversation is open.
 */
import type { ConversationView, MessageView, MessengerApi, ReachabilityView } from '../../messenger/types.js'
import { TIMER_CHOICES, groupDigits, h } from './dom.js'
import { reasonInWords, waitingText } from './reachability.js'
import { renderLine, renderMessage, type ChatLine, type FileUi } from './render-message.js'

/** What the pane shows of the open conversation. */
export interface ConversationState {
  conversation: ConversationView
  /** Its messages, oldest first. */
  messages: MessageView[]
  /** The element's chat lines for it (timer changes, …). */
  lines: ChatLine[]
  /** Why outgoing messages failed, by message id. */
  failures: ReadonlyMap<string, string>
  /** This device's reachability: why queued messages wait. */
  reachability?: ReachabilityView
  /** The peer's safety number, when shown. */
  safetyDigits: string | undefined
  /** The peer is a verified contact. */
  verified: boolean
  /** The peer is typing (in a group: `typingFrom`, a member). */
  typing: boolean
  typingFrom?: string
  /** The rename form is open, with this value. */
  renaming: boolean
  renameValue: string
  /** Text already in the composer. */
  draft: string
  /** Files, pictures and voice notes, once their views are loaded. */
  files?: FileUi
  /** Groups: header, sender names, receipts (a lazy chunk: absent until it is loaded). */
  group?: GroupUi
}

/** The element's group views (`group-views.ts`, a lazy chunk), for a group conversation. */
export interface GroupUi {
  /** The header's children: name, members line, Members button, timer. */
  header: (c: ConversationView) => HTMLElement[]
  /** Who sent a message: "You", the contact's name, or a short address. */
  senderName: (m: MessageView) => string
  /** A member's name: "You", the contact's name, or a short address. */
  nameOf: (address: string) => string
  /** "read by 2 of 3" under a message of mine, once known. */
  receipts: (m: MessageView) => string | undefined
  /** False once this account left or was removed. */
  canSend: (c: ConversationView) => boolean
  /** True for an admin (who may delete any message for everyone). */
  isAdmin: (c: ConversationView) => boolean
  /** Lines for membership changes seen while the element showed the group ("Dave joined the group"). */
  lines: (c: ConversationView) => ChatLine[]
}

/** What the pane's controls do. */
export interface ConversationActions {
  /** Runs an action on the messenger (errors shown, lists refreshed). */
  act: (fn: (m: MessengerApi) => Promise<void>) => Promise<void>
  openConversation: (id: string) => Promise<void>
  setTimer: (value: string) => void
  toggleSafety: (address: string) => void
  startRename: () => void
  closeRename: () => void
  rename: (peer: string, name: string) => void
  send: (input: HTMLTextAreaElement) => void
  deleteForEveryone: (id: string) => void
}

/** What the second tab (or any failed start) says, by error code. */
const START_FAILURES: Record<string, { status: string, text: string }> = {
  ERR_STORE_LOCKED: {
    status: 'open in another tab',
    text: 'Parley is already open in another tab of this browser. Use that tab, or close it and reload this page.'
  }
}

/** Why Parley could not start, for the placeholder (`text`) and the status line (`status`). */
export function startFailure (e: { message?: string, code?: string }, err: unknown): { status: string, text: string } {
  const known = e.code != null ? START_FAILURES[e.code] : undefined
  return { status: known?.status ?? 'offline', text: known?.text ?? `Parley could not start: ${e.message ?? String(err)}` }
}

/** The pane when no conversation is open: why Parley could not start, "Connecting…", or a hint. */
export function renderPlaceholder (failure: string | undefined, attached: boolean): HTMLParagraphElement {
  const text = failure ?? (attached ? 'Choose a chat or add a contact' : 'Connecting…')
  return h('p', { class: failure != null ? 'empty failure' : 'empty', part: 'placeholder', role: failure != null ? 'alert' : undefined }, text)
}

/** The pane's children, with the log (to scroll) and the composer's input (to focus). */
export function renderConversation (s: ConversationState, on: ConversationActions): { children: HTMLElement[], list: HTMLOListElement, input: HTMLTextAreaElement } {
  const c = s.conversation
  const timer = h('select', { id: 'timer', part: 'timer', onchange: (evt: Event) => { on.setTimer((evt.target as HTMLSelectElement).value) } },
    ...TIMER_CHOICES.map((t) => h('option', { value: t.ms ?? 'off', selected: (c.disappearingTimerMs ?? null) === t.ms }, t.label)))
  const actions: HTMLElement[] = []
  if (c.kind === 'normal') actions.push(h('button', { type: 'button', class: 'secondary', part: 'button', onclick: () => { void on.act(async (m) => { const s = await m.startSecretChat(c.peer); await on.openConversation(s.id) }) } }, 'Start secret chat'))
  if (c.kind === 'secret' && c.secretState === 'incoming') actions.push(h('button', { type: 'button', class: 'primary', part: 'button', onclick: () => { void on.act(async (m) => { await m.acceptSecretChat(c.id) }) } }, 'Accept secret chat'))
  if (c.kind === 'secret' && (c.secretState === 'active' || c.secretState === 'pending')) actions.push(h('button', { type: 'button', class: 'secondary', part: 'button', onclick: () => { void on.act(async (m) => { await m.closeSecretChat(c.id) }) } }, 'End secret chat'))
  const safetyShown = s.safetyDigits != null
  const group = c.kind === 'group'
  if (!group) actions.push(h('button', { type: 'button', class: 'secondary', part: 'button', 'aria-expanded': safetyShown ? 'true' : 'false', 'aria-controls': 'safety', onclick: () => { on.toggleSafety(c.peer) } }, 'Safety number'))

  const list = h('ol', { class: 'messages', 'aria-live': 'polite', 'aria-label': group ? `Messages in ${c.title}` : `Messages with ${c.title}`, part: 'messages', tabindex: 0 },
    ...logEntries(s, on))
  const gone = group && s.group?.canSend(c) === false
  const input = h('textarea', {
    id: 'compose', rows: 1, part: 'input composer-input', placeholder: gone ? 'You are no longer in this group' : c.kind === 'secret' && c.secretState !== 'active' ? 'Waiting for the secret chat to be accepted' : 'Message',
    disabled: gone || (c.kind === 'secret' && c.secretState !== 'active'),
    onkeydown: (evt: KeyboardEvent) => {
      if (evt.key === 'Enter' && !evt.shiftKey && !evt.isComposing) { evt.preventDefault(); (evt.target as HTMLTextAreaElement).form?.requestSubmit() }
    }
  })
  input.value = s.draft
  const head = group
    ? s.group?.header(c) ?? [h('h2', { id: 'conv-title' }, c.title)]
    : [
        s.renaming ? renameForm(c, s.renameValue, on) : h('h2', { id: 'conv-title', title: c.peer }, c.title, c.kind === 'secret' ? h('span', { class: 'badge secret' }, 'secret') : null),
        s.renaming ? null : h('button', { type: 'button', id: 'rename', class: 'secondary', part: 'button', 'aria-label': `Rename ${c.title}`, onclick: on.startRename }, 'Rename'),
        h('label', { class: 'inline', for: 'timer' }, 'Disappearing', timer),
        ...actions,
        safetyShown ? h('p', { id: 'safety', class: 'safety', part: 'safety-number', 'aria-label': 'Safety number' }, groupDigits(s.safetyDigits ?? '')) : null,
        safetyShown && !s.verified
          ? h('button', { type: 'button', class: 'secondary', part: 'button verify-button', onclick: () => { void on.act(async (m) => { await m.markVerified(c.peer) }) } }, 'Mark as verified')
          : null
      ]
  const children = [
    h('div', { class: 'conv-head', part: 'conversation-header' }, ...head),
    list,
    h('p', { class: 'typing', part: 'typing', 'aria-live': 'polite' }, s.typing ? `${group ? (s.typingFrom != null && s.typingFrom !== '' ? s.group?.nameOf(s.typingFrom) : undefined) ?? 'Someone' : c.title} is typing…` : ''),
    h('form', { class: 'composer', part: 'composer', 'aria-label': 'Send a message', onsubmit: (evt: Event) => { evt.preventDefault(); on.send(input) } },
      h('label', { for: 'compose', class: 'visually-hidden' }, 'Message'),
      gone ? null : s.files?.controls(c) ?? null,
      input,
      h('button', { type: 'submit', class: 'primary', part: 'button send-button', disabled: input.disabled }, 'Send'))
  ]
  return { children, list, input }
}

/** The conversation's messages in order, with the element's chat lines placed by time among them. */
export function logEntries (s: Pick<ConversationState, 'conversation' | 'messages' | 'lines' | 'failures' | 'reachability' | 'files' | 'group'>, on: Pick<ConversationActions, 'deleteForEveryone'>): HTMLLIElement[] {
  const c = s.conversation
  const lines = [...s.lines, ...(c.kind === 'group' ? s.group?.lines(c) ?? [] : [])].sort((a, b) => a.at - b.at)
  const out: HTMLLIElement[] = []
  for (const m of s.messages) {
    while (lines.length > 0 && lines[0].at < m.sentAt) out.push(renderLine(lines.shift() as ChatLine))
    const replyText = m.replyTo != null ? s.messages.find((x) => x.id === m.replyTo)?.text : undefined
    const failure = s.failures.get(m.id) ?? (m.status === 'failed' && m.lastError != null ? reasonInWords(m.lastError) : undefined)
    const waiting = waitingText(m, s.reachability)
    const receipts = c.kind === 'group' && m.direction === 'out' ? s.group?.receipts(m) : undefined
    out.push(renderMessage(m, {
      peerName: c.kind === 'group' ? s.group?.senderName(m) ?? m.sender.slice(0, 8) : c.title,
      ...(c.kind === 'group' ? { showSender: true } : {}),
      ...(receipts != null ? { receipts } : {}),
      ...(failure != null ? { failure } : {}),
      ...(waiting != null ? { waiting } : {}),
      ...(replyText != null ? { replyText } : {}),
      ...(m.kind === 'file' && s.files != null ? { file: s.files.render(m) } : {}),
      // normal chats: one deletes one's own messages for both; secret chats: any message; groups: an admin any message
      ...(m.direction === 'out' || c.kind === 'secret' || (c.kind === 'group' && m.kind !== 'notice' && s.group?.isAdmin(c) === true) ? { onDelete: () => { on.deleteForEveryone(m.id) } } : {})
    }))
  }
  out.push(...lines.map(renderLine))
  return out
}

/** Rename the conversation's contact: Enter saves, Escape (or Cancel) keeps the name. */
export function renameForm (c: ConversationView, value: string, on: Pick<ConversationActions, 'rename' | 'closeRename'>): HTMLFormElement {
  const input = h('input', { id: 'rename-input', name: 'name', required: true, maxlength: 64, autocomplete: 'off', part: 'input', value })
  return h('form', {
    class: 'rename', part: 'rename-form', 'aria-label': 'Rename contact',
    onsubmit: (evt: Event) => {
      evt.preventDefault()
      const name = input.value.trim()
      if (name === '') return
      on.rename(c.peer, name)
    },
    onkeydown: (evt: KeyboardEvent) => { if (evt.key === 'Escape') { evt.preventDefault(); on.closeRename() } }
  },
  h('label', { for: 'rename-input', class: 'visually-hidden' }, `New name for ${c.title}`),
  input,
  h('button', { type: 'submit', class: 'primary', part: 'button' }, 'Save'),
  h('button', { type: 'button', class: 'secondary', part: 'button', onclick: on.closeRename }, 'Cancel'))
}
