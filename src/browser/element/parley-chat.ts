/**
 * `<parley-chat>`: a small, framework-free chat UI over a `MessengerApi`.
 *
 * Configure with attributes (`relays="<multiaddr> …"`, `storage-name`, `allow-private-addresses`)
 * and the element opens Parley itself through `createParley`, or hand it a running messenger with
 * the `messenger` property. Theme with `--parley-*` custom properties and `::part()`.
 *
 * @example
 * ```html
 * <script type="module" src="/parley-chat.js"></script>
 * <parley-chat relays="/dns4/relay.example/tcp/443/wss/p2p/12D3Koo…"></parley-chat>
 * ```
 */
import type { ContactView, ConversationView, MessageView, MessengerApi, MessengerEvents } from '../../messenger/types.js'
import { TIMER_CHOICES, fill, groupDigits, h, shortAddress, timerLabel } from './dom.js'
import { confirmAction, showQr } from './dialogs.js'
import { askNotificationPermission, notificationPermission, notifyInBackground } from './notify.js'
import { renderLine, renderMessage, type ChatLine } from './render-message.js'
import { STYLES } from './styles.js'

/** Messages shown per conversation (newest). */
const PAGE_SIZE = 100

const REFRESHING_EVENTS: Array<keyof MessengerEvents & string> = [
  'message', 'message-updated', 'messages-deleted', 'delivery', 'conversation-updated', 'contact-key-changed',
  'contact-removed', 'screenshot', 'typing'
]

/** What the second tab (or any failed start) says, by error code. */
const START_FAILURES: Record<string, { status: string, text: string }> = {
  ERR_STORE_LOCKED: {
    status: 'open in another tab',
    text: 'Parley is already open in another tab of this browser. Use that tab, or close it and reload this page.'
  }
}

export class ParleyChatElement extends HTMLElement {
  static observedAttributes = ['relays', 'storage-name']

  #messenger: MessengerApi | undefined
  /** True when this element created the messenger (and so stops it). */
  #owned = false
  #starting: Promise<void> | undefined
  #contacts: ContactView[] = []
  #conversations: ConversationView[] = []
  #current: ConversationView | undefined
  #messages: MessageView[] = []
  #safety: { address: string, digits: string } | undefined
  #refreshQueued = false
  /** Why an outgoing message failed, from `delivery` events (MessageView carries no reason). */
  readonly #failures = new Map<string, string>()
  /** Chat lines the element shows for events that store no message (timer changes, …), per conversation. */
  readonly #lines = new Map<string, ChatLine[]>()
  /** Last known view of each conversation: to tell what a `conversation-updated` changed. */
  readonly #known = new Map<string, ConversationView>()
  /** Timer values this element asked for, per conversation: "You set…" rather than "<peer> set…". */
  readonly #ownTimer = new Map<string, number | null>()
  /** Conversations whose peer is typing. */
  readonly #typing = new Set<string>()
  /** The rename form is open for the current conversation's contact. */
  #renaming = false
  /** Set when the messenger could not start: the element says why and stays disabled. */
  #startFailure: string | undefined
  readonly #root: ShadowRoot
  readonly #ui: {
    me: HTMLElement, status: HTMLElement, copy: HTMLButtonElement, qr: HTMLButtonElement, notify: HTMLButtonElement, error: HTMLElement
    chats: HTMLUListElement, contacts: HTMLUListElement, addForm: HTMLFormElement, addInput: HTMLInputElement, addName: HTMLInputElement
    addButton: HTMLButtonElement, main: HTMLElement
  }

  constructor () {
    super()
    this.#root = this.attachShadow({ mode: 'open' })
    // nothing can work before a messenger is attached: the controls start disabled
    const addInput = h('input', { id: 'add-address', name: 'address', required: true, disabled: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'parley:… or address', part: 'input' })
    const addName = h('input', { id: 'add-name', name: 'name', disabled: true, autocomplete: 'off', placeholder: 'Name (optional)', part: 'input' })
    const addButton = h('button', { type: 'submit', class: 'primary', part: 'button', disabled: true }, 'Add contact')
    const addForm = h('form', { part: 'add-contact', 'aria-label': 'Add a contact', onsubmit: (evt: Event) => { evt.preventDefault(); void this.#addContact() } },
      h('label', { for: 'add-address' }, 'Add contact by address or invite link'),
      addInput,
      h('label', { for: 'add-name', class: 'visually-hidden' }, 'Contact name'),
      addName,
      addButton)
    const copy = h('button', { type: 'button', class: 'secondary', part: 'button', disabled: true, onclick: () => { void this.#copyInvite() } }, 'Copy invite link')
    const qr = h('button', { type: 'button', class: 'secondary', part: 'button', disabled: true, onclick: () => { void this.#showInviteQr() } }, 'Show QR code')
    const notify = h('button', { type: 'button', class: 'secondary', part: 'button', hidden: true, onclick: () => { void this.#askNotifications() } }, 'Turn on notifications')
    this.#ui = {
      me: h('div', { class: 'me', part: 'me' }, 'Starting…'),
      status: h('span', { class: 'status', role: 'status', 'data-state': 'starting', part: 'status' }, 'starting'),
      copy,
      qr,
      notify,
      addButton,
      error: h('p', { class: 'error', role: 'alert', hidden: true, part: 'error' }),
      chats: h('ul', { 'aria-label': 'Chats', part: 'chat-list' }),
      contacts: h('ul', { 'aria-label': 'Contacts', part: 'contact-list' }),
      addForm,
      addInput,
      addName,
      main: h('main', { part: 'conversation', 'aria-label': 'Conversation' })
    }
    fill(this.#root,
      h('style', {}, STYLES),
      h('div', { class: 'layout', part: 'layout' },
        h('header', { part: 'header' }, this.#ui.me, this.#ui.status, copy, qr, notify),
        // focusable: on narrow screens it scrolls, and keyboards must reach its scroll
        h('aside', { part: 'sidebar', 'aria-label': 'Chats and contacts', tabindex: 0 },
          addForm, this.#ui.error,
          h('h2', { id: 'chats-h' }, 'Chats'), this.#ui.chats,
          h('h2', { id: 'contacts-h' }, 'Contacts'), this.#ui.contacts),
        this.#ui.main))
    this.#renderConversation()
  }

  /** The messenger this element shows. Setting it detaches the previous one (without stopping it). */
  get messenger (): MessengerApi | undefined {
    return this.#messenger
  }

  set messenger (value: MessengerApi | undefined) {
    this.#attach(value, false)
  }

  /** Resolves once a messenger is attached and listed (after `createParley` when configured by attributes). */
  get ready (): Promise<void> {
    return this.#starting ?? Promise.resolve()
  }

  connectedCallback (): void {
    if (this.#messenger == null && this.#starting == null && this.getAttribute('relays') != null) {
      this.#starting = this.#open().catch((err: unknown) => { this.#fail(err) })
    }
  }

  disconnectedCallback (): void {
    const messenger = this.#messenger
    if (this.#owned && messenger != null) {
      this.#attach(undefined, false)
      void messenger.stop()
    }
  }

  attributeChangedCallback (): void {
    // configuration is read once, when the element connects; a running messenger is not replaced
  }

  async #open (): Promise<void> {
    const relays = (this.getAttribute('relays') ?? '').split(/[\s,]+/).filter((r) => r !== '')
    const storageName = this.getAttribute('storage-name') ?? undefined
    // the library (parley.js) loads only now: the element paints without it
    const { createParley } = await import('../index.js')
    const messenger = await createParley({
      relays,
      storage: { ...(storageName != null ? { name: storageName } : {}) },
      allowPrivateAddresses: this.hasAttribute('allow-private-addresses')
    })
    if (!this.isConnected) { await messenger.stop(); return }
    this.#attach(messenger, true)
    await this.#refresh()
    this.dispatchEvent(new CustomEvent('parley-ready', { detail: { address: messenger.address }, bubbles: true, composed: true }))
  }

  #attach (messenger: MessengerApi | undefined, owned: boolean): void {
    if (this.#messenger === messenger) return
    for (const type of REFRESHING_EVENTS) this.#messenger?.removeEventListener(type, this.#onEvent)
    this.#messenger = messenger
    this.#owned = owned
    this.#current = undefined
    this.#messages = []
    this.#safety = undefined
    this.#renaming = false
    if (messenger == null) { this.#enableControls(false); return }
    for (const type of REFRESHING_EVENTS) messenger.addEventListener(type, this.#onEvent)
    this.#ui.me.replaceChildren(h('strong', {}, 'You: '), messenger.address)
    this.#ui.me.title = messenger.address
    this.#startFailure = undefined
    this.#enableControls(true)
    this.#setStatus('online')
    if (!owned) void this.#refresh()
  }

  readonly #onEvent = (evt: Event): void => {
    const detail = (evt as CustomEvent).detail as Partial<MessengerEvents[string & keyof MessengerEvents]> & {
      message?: MessageView, conversationId?: string, conversation?: ConversationView, messageId?: string, state?: string, reason?: string, typing?: boolean
    }
    const conversationId = detail.message?.conversationId ?? detail.conversationId ?? detail.conversation?.id
    if (evt.type === 'delivery' && detail.state === 'failed' && detail.messageId != null) this.#failures.set(detail.messageId, detail.reason ?? 'not delivered')
    if (evt.type === 'conversation-updated' && detail.conversation != null) this.#noteChanges(detail.conversation)
    if (evt.type === 'typing' && conversationId != null) {
      if (detail.typing === true) this.#typing.add(conversationId)
      else this.#typing.delete(conversationId)
      if (conversationId === this.#current?.id) this.#renderConversation()
      return
    }
    if (evt.type === 'message' && detail.message?.direction === 'in' && conversationId != null) {
      this.#typing.delete(conversationId)
      this.#notify(detail.message)
    }
    if (evt.type === 'message' && conversationId != null && conversationId === this.#current?.id && document.visibilityState !== 'hidden') {
      // read while on screen: refresh once the read mark (and the unread count) is stored
      void this.#messenger?.markRead(conversationId).catch(() => {}).finally(() => { this.#scheduleRefresh() })
      return
    }
    this.#scheduleRefresh()
  }

  /** Adds a chat line for what a `conversation-updated` changed: the timer, a secret chat's state. */
  #noteChanges (next: ConversationView): void {
    const before = this.#known.get(next.id)
    this.#known.set(next.id, next)
    if (before == null) return
    const at = Date.now()
    if ((before.disappearingTimerMs ?? null) !== (next.disappearingTimerMs ?? null)) {
      const own = this.#ownTimer.has(next.id) && this.#ownTimer.get(next.id) === (next.disappearingTimerMs ?? null)
      this.#ownTimer.delete(next.id)
      const who = own ? 'You' : next.title
      this.#addLine(next.id, {
        at,
        text: next.disappearingTimerMs == null ? `${who} turned off disappearing messages` : `${who} set disappearing messages to ${timerLabel(next.disappearingTimerMs)}`
      })
    }
    if (before.secretState !== next.secretState && next.kind === 'secret') {
      if (next.secretState === 'active') this.#addLine(next.id, { at, text: 'Secret chat accepted: messages are end-to-end encrypted on these two devices only' })
      if (next.secretState === 'closed') this.#addLine(next.id, { at, text: 'Secret chat ended' })
    }
  }

  #addLine (conversationId: string, line: ChatLine): void {
    const lines = this.#lines.get(conversationId) ?? []
    lines.push(line)
    this.#lines.set(conversationId, lines.slice(-50))
  }

  /** A notification for a message arriving while the page is in a background tab (with permission). */
  #notify (message: MessageView): void {
    const conversation = this.#conversations.find((c) => c.id === message.conversationId)
    const secret = conversation?.kind === 'secret'
    notifyInBackground({
      title: conversation?.title ?? shortAddress(message.sender),
      // secret chats do not put their text on the lock screen
      body: secret ? 'New message in a secret chat' : message.kind === 'text' ? (message.text ?? '') : 'New message',
      tag: message.conversationId,
      onclick: () => { void this.openConversation(message.conversationId) }
    })
  }

  async #askNotifications (): Promise<void> {
    await askNotificationPermission()
    this.#renderNotifyButton()
  }

  #renderNotifyButton (): void {
    this.#ui.notify.hidden = this.#messenger == null || notificationPermission() !== 'default'
  }

  /** Enables (or disables) the controls that need a messenger. */
  #enableControls (on: boolean): void {
    for (const control of [this.#ui.addInput, this.#ui.addName, this.#ui.addButton, this.#ui.copy, this.#ui.qr]) control.disabled = !on
    this.#renderNotifyButton()
  }

  /** Coalesces bursts of events into one refresh per frame. */
  #scheduleRefresh (): void {
    if (this.#refreshQueued) return
    this.#refreshQueued = true
    queueMicrotask(() => {
      this.#refreshQueued = false
      void this.#refresh().catch((err: unknown) => { this.#fail(err) })
    })
  }

  async #refresh (): Promise<void> {
    const messenger = this.#messenger
    if (messenger == null) return
    const [contacts, conversations] = await Promise.all([messenger.listContacts(), messenger.conversations({ limit: 200 })])
    this.#contacts = contacts
    this.#conversations = conversations.items.sort((a, b) => b.lastActivity - a.lastActivity)
    for (const c of this.#conversations) if (!this.#known.has(c.id)) this.#known.set(c.id, c)
    if (this.#current != null) {
      this.#current = this.#conversations.find((c) => c.id === this.#current?.id) ?? this.#current
      this.#messages = (await messenger.messages(this.#current.id, { limit: PAGE_SIZE })).items.reverse()
    }
    this.#renderLists()
    this.#renderConversation()
  }

  #renderLists (): void {
    this.#renderNotifyButton()
    fill(this.#ui.chats, ...this.#conversations.map((c) => h('li', {},
      h('button', {
        type: 'button',
        part: 'chat-item',
        'aria-current': c.id === this.#current?.id ? 'true' : false,
        'data-conversation': c.id,
        onclick: () => { void this.openConversation(c.id) }
      },
      h('span', {}, c.title),
      c.kind === 'secret' ? h('span', { class: 'badge secret', title: 'Secret chat' }, c.secretState === 'incoming' ? 'secret · invite' : 'secret') : null,
      c.unreadCount > 0 ? h('span', { class: 'badge', 'aria-label': `${c.unreadCount} unread` }, c.unreadCount) : null))))
    if (this.#conversations.length === 0) fill(this.#ui.chats, h('li', { class: 'empty' }, 'No chats yet'))
    fill(this.#ui.contacts, ...this.#contacts.map((c) => h('li', {},
      h('button', {
        type: 'button',
        part: 'contact-item',
        title: c.address,
        'data-address': c.address,
        onclick: () => { void this.#openContact(c.address) }
      },
      h('span', {}, c.name || shortAddress(c.address)),
      c.verification === 'verified' ? h('span', { class: 'badge', title: 'Verified' }, '✓') : null,
      c.verification === 'changed' ? h('span', { class: 'badge secret', title: 'Safety number changed' }, '!') : null))))
    if (this.#contacts.length === 0) fill(this.#ui.contacts, h('li', { class: 'empty' }, 'Add someone by their invite link'))
  }

  #renderConversation (): void {
    const c = this.#current
    if (c == null) {
      const text = this.#startFailure ?? (this.#messenger == null ? 'Connecting…' : 'Choose a chat or add a contact')
      fill(this.#ui.main, h('p', { class: this.#startFailure != null ? 'empty failure' : 'empty', part: 'placeholder', role: this.#startFailure != null ? 'alert' : undefined }, text))
      return
    }
    const timer = h('select', { id: 'timer', part: 'timer', onchange: (evt: Event) => { void this.#setTimer((evt.target as HTMLSelectElement).value) } },
      ...TIMER_CHOICES.map((t) => h('option', { value: t.ms ?? 'off', selected: (c.disappearingTimerMs ?? null) === t.ms }, t.label)))
    const actions: HTMLElement[] = []
    if (c.kind === 'normal') actions.push(h('button', { type: 'button', class: 'secondary', part: 'button', onclick: () => { void this.#act(async (m) => { const s = await m.startSecretChat(c.peer); await this.openConversation(s.id) }) } }, 'Start secret chat'))
    if (c.kind === 'secret' && c.secretState === 'incoming') actions.push(h('button', { type: 'button', class: 'primary', part: 'button', onclick: () => { void this.#act(async (m) => { await m.acceptSecretChat(c.id) }) } }, 'Accept secret chat'))
    if (c.kind === 'secret' && (c.secretState === 'active' || c.secretState === 'pending')) actions.push(h('button', { type: 'button', class: 'secondary', part: 'button', onclick: () => { void this.#act(async (m) => { await m.closeSecretChat(c.id) }) } }, 'End secret chat'))
    const safetyShown = this.#safety?.address === c.peer
    actions.push(h('button', { type: 'button', class: 'secondary', part: 'button', 'aria-expanded': safetyShown ? 'true' : 'false', 'aria-controls': 'safety', onclick: () => { void this.#toggleSafety(c.peer) } }, 'Safety number'))

    const list = h('ol', { class: 'messages', 'aria-live': 'polite', 'aria-label': `Messages with ${c.title}`, part: 'messages', tabindex: 0 },
      ...this.#logEntries(c))
    const input = h('textarea', {
      id: 'compose', rows: 1, part: 'input composer-input', placeholder: c.kind === 'secret' && c.secretState !== 'active' ? 'Waiting for the secret chat to be accepted' : 'Message',
      disabled: c.kind === 'secret' && c.secretState !== 'active',
      onkeydown: (evt: KeyboardEvent) => {
        if (evt.key === 'Enter' && !evt.shiftKey && !evt.isComposing) { evt.preventDefault(); (evt.target as HTMLTextAreaElement).form?.requestSubmit() }
      }
    })
    const focusedId = this.#root.activeElement?.id
    const draft = (this.#ui.main.querySelector('#compose') as HTMLTextAreaElement | null)?.value ?? ''
    input.value = draft
    fill(this.#ui.main,
      h('div', { class: 'conv-head', part: 'conversation-header' },
        this.#renaming ? this.#renameForm(c) : h('h2', { id: 'conv-title', title: c.peer }, c.title, c.kind === 'secret' ? h('span', { class: 'badge secret' }, 'secret') : null),
        this.#renaming ? null : h('button', { type: 'button', id: 'rename', class: 'secondary', part: 'button', 'aria-label': `Rename ${c.title}`, onclick: () => { this.#renaming = true; this.#renderConversation(); (this.#root.querySelector('#rename-input') as HTMLInputElement | null)?.select() } }, 'Rename'),
        h('label', { class: 'inline', for: 'timer' }, 'Disappearing', timer),
        ...actions,
        safetyShown ? h('p', { id: 'safety', class: 'safety', part: 'safety-number', 'aria-label': 'Safety number' }, groupDigits(this.#safety?.digits ?? '')) : null,
        safetyShown && this.#contacts.find((k) => k.address === c.peer)?.verification !== 'verified'
          ? h('button', { type: 'button', class: 'secondary', part: 'button verify-button', onclick: () => { void this.#act(async (m) => { await m.markVerified(c.peer) }) } }, 'Mark as verified')
          : null),
      list,
      h('p', { class: 'typing', part: 'typing', 'aria-live': 'polite' }, this.#typing.has(c.id) ? `${c.title} is typing…` : ''),
      h('form', { class: 'composer', part: 'composer', 'aria-label': 'Send a message', onsubmit: (evt: Event) => { evt.preventDefault(); void this.#send(input) } },
        h('label', { for: 'compose', class: 'visually-hidden' }, 'Message'),
        input,
        h('button', { type: 'submit', class: 'primary', part: 'button send-button', disabled: input.disabled }, 'Send')))
    list.scrollTop = list.scrollHeight
    if (focusedId === 'compose') input.focus()
    else if (focusedId != null && focusedId !== '') (this.#root.getElementById(focusedId) as HTMLElement | null)?.focus()
  }

  /** The conversation's messages in order, with the element's chat lines placed by time among them. */
  #logEntries (c: ConversationView): HTMLLIElement[] {
    const lines = [...(this.#lines.get(c.id) ?? [])]
    const out: HTMLLIElement[] = []
    for (const m of this.#messages) {
      while (lines.length > 0 && lines[0].at < m.sentAt) out.push(renderLine(lines.shift() as ChatLine))
      const replyText = m.replyTo != null ? this.#messages.find((x) => x.id === m.replyTo)?.text : undefined
      out.push(renderMessage(m, {
        peerName: c.title,
        ...(this.#failures.has(m.id) ? { failure: this.#failures.get(m.id) } : {}),
        ...(replyText != null ? { replyText } : {}),
        // normal chats: one deletes one's own messages for both; secret chats: any message
        ...(m.direction === 'out' || c.kind === 'secret' ? { onDelete: () => { void this.#deleteForEveryone(m.id) } } : {})
      }))
    }
    out.push(...lines.map(renderLine))
    return out
  }

  /** Rename the conversation's contact: Enter saves, Escape (or Cancel) keeps the name. */
  #renameForm (c: ConversationView): HTMLFormElement {
    const current = this.#contacts.find((k) => k.address === c.peer)?.name ?? c.title
    const previous = this.#root.getElementById('rename-input') as HTMLInputElement | null
    const input = h('input', { id: 'rename-input', name: 'name', required: true, maxlength: 64, autocomplete: 'off', part: 'input', value: previous?.value ?? current })
    const close = (): void => { this.#renaming = false; this.#renderConversation(); (this.#root.getElementById('rename') as HTMLElement | null)?.focus() }
    return h('form', {
      class: 'rename', part: 'rename-form', 'aria-label': 'Rename contact',
      onsubmit: (evt: Event) => {
        evt.preventDefault()
        const name = input.value.trim()
        if (name === '') return
        void this.#act(async (m) => { await m.renameContact(c.peer, name); this.#renaming = false }).then(() => { (this.#root.getElementById('rename') as HTMLElement | null)?.focus() })
      },
      onkeydown: (evt: KeyboardEvent) => { if (evt.key === 'Escape') { evt.preventDefault(); close() } }
    },
    h('label', { for: 'rename-input', class: 'visually-hidden' }, `New name for ${c.title}`),
    input,
    h('button', { type: 'submit', class: 'primary', part: 'button' }, 'Save'),
    h('button', { type: 'button', class: 'secondary', part: 'button', onclick: close }, 'Cancel'))
  }

  /** Opens a conversation by id and marks it read. */
  async openConversation (id: string): Promise<void> {
    await this.#act(async (m) => {
      this.#current = await m.getConversation(id)
      this.#safety = undefined
      await m.markRead(id).catch(() => {})
      await this.#refresh()
      ;(this.#root.querySelector('#compose') as HTMLTextAreaElement | null)?.focus()
    })
  }

  async #openContact (address: string): Promise<void> {
    await this.#act(async (m) => { await this.openConversation((await m.conversationWith(address)).id) })
  }

  async #addContact (): Promise<void> {
    const text = this.#ui.addInput.value.trim()
    if (text === '') return
    await this.#act(async (m) => {
      const contact = await m.addContact(text, this.#ui.addName.value.trim() !== '' ? { name: this.#ui.addName.value.trim() } : {})
      this.#ui.addInput.value = ''
      this.#ui.addName.value = ''
      await this.#openContact(contact.address)
    })
  }

  async #send (input: HTMLTextAreaElement): Promise<void> {
    const text = input.value.trim()
    const c = this.#current
    if (text === '' || c == null) return
    input.value = ''
    await this.#act(async (m) => { await m.sendText(c.id, text) }, () => { input.value = text })
  }

  async #setTimer (value: string): Promise<void> {
    const c = this.#current
    if (c == null) return
    const ttl = value === 'off' ? null : Number(value)
    this.#ownTimer.set(c.id, ttl)
    await this.#act(async (m) => {
      this.#current = await m.setDisappearingTimer(c.id, ttl)
      this.#noteChanges(this.#current)
    })
  }

  /** Asks first: deleting for everyone cannot be undone. */
  async #deleteForEveryone (id: string): Promise<void> {
    const c = this.#current
    if (c == null) return
    const sure = await confirmAction(this.#root, {
      title: 'Delete for everyone?',
      body: `This message will be deleted on your devices and on ${c.title}'s. This cannot be undone.`,
      confirmLabel: 'Delete for everyone'
    })
    if (!sure) return
    await this.#act(async (m) => { await m.deleteMessages(c.id, [id], { forEveryone: true }) })
  }

  async #toggleSafety (address: string): Promise<void> {
    if (this.#safety?.address === address) { this.#safety = undefined; this.#renderConversation(); return }
    await this.#act(async (m) => {
      this.#safety = { address, digits: (await m.safetyNumber(address)).digits }
      this.#renderConversation()
    })
  }

  async #copyInvite (): Promise<void> {
    await this.#act(async (m) => {
      const link = m.inviteLink()
      await navigator.clipboard?.writeText(link).catch(() => {})
      this.#ui.copy.textContent = 'Invite link copied'
      setTimeout(() => { this.#ui.copy.textContent = 'Copy invite link' }, 2000)
      this.dispatchEvent(new CustomEvent('parley-invite', { detail: { link }, bubbles: true, composed: true }))
    })
  }

  async #showInviteQr (): Promise<void> {
    await this.#act(async (m) => {
      await showQr(this.#root, {
        title: 'Your invite link',
        text: m.inviteLink(),
        hint: 'Let a contact scan this code with their phone, or copy the link below.',
        alt: 'QR code of your invite link'
      })
    })
  }

  /** Runs a UI action: errors are shown (and announced), never thrown into event handlers. */
  async #act (fn: (m: MessengerApi) => Promise<void>, onError?: () => void): Promise<void> {
    const messenger = this.#messenger
    if (messenger == null) return
    this.#ui.error.hidden = true
    try {
      await fn(messenger)
      await this.#refresh()
    } catch (err) {
      onError?.()
      this.#fail(err)
    }
  }

  #fail (err: unknown): void {
    const e = err as { message?: string, code?: string }
    this.#ui.error.textContent = e.message ?? String(err)
    this.#ui.error.hidden = false
    if (this.#messenger == null) {
      // the messenger did not start: say why where the chat would be, and keep every control off
      const known = e.code != null ? START_FAILURES[e.code] : undefined
      this.#startFailure = known?.text ?? `Parley could not start: ${e.message ?? String(err)}`
      this.#ui.error.hidden = true
      this.#ui.me.textContent = 'Not started'
      this.#setStatus('offline', known?.status ?? 'offline')
      this.#enableControls(false)
      this.#renderConversation()
    }
    this.dispatchEvent(new CustomEvent('parley-error', { detail: { error: err, code: e.code }, bubbles: true, composed: true }))
  }

  #setStatus (state: 'online' | 'offline' | 'starting', text: string = state): void {
    this.#ui.status.dataset.state = state
    this.#ui.status.textContent = text
  }
}

if (customElements.get('parley-chat') == null) customElements.define('parley-chat', ParleyChatElement)

declare global {
  interface HTMLElementTagNameMap { 'parley-chat': ParleyChatElement }
}
