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
import { DELIVERY_TICKS, TIMER_CHOICES, fill, formatTime, groupDigits, h, shortAddress } from './dom.js'
import { STYLES } from './styles.js'

/** Messages shown per conversation (newest). */
const PAGE_SIZE = 100

const REFRESHING_EVENTS: Array<keyof MessengerEvents & string> = [
  'message', 'message-updated', 'messages-deleted', 'delivery', 'conversation-updated', 'contact-key-changed'
]

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
  readonly #root: ShadowRoot
  readonly #ui: {
    me: HTMLElement, status: HTMLElement, copy: HTMLButtonElement, error: HTMLElement
    chats: HTMLUListElement, contacts: HTMLUListElement, addForm: HTMLFormElement, addInput: HTMLInputElement, addName: HTMLInputElement
    main: HTMLElement
  }

  constructor () {
    super()
    this.#root = this.attachShadow({ mode: 'open' })
    const addInput = h('input', { id: 'add-address', name: 'address', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'parley:… or address', part: 'input' })
    const addName = h('input', { id: 'add-name', name: 'name', autocomplete: 'off', placeholder: 'Name (optional)', part: 'input' })
    const addForm = h('form', { part: 'add-contact', 'aria-label': 'Add a contact', onsubmit: (evt: Event) => { evt.preventDefault(); void this.#addContact() } },
      h('label', { for: 'add-address' }, 'Add contact by address or invite link'),
      addInput,
      h('label', { for: 'add-name', class: 'visually-hidden' }, 'Contact name'),
      addName,
      h('button', { type: 'submit', class: 'primary', part: 'button' }, 'Add contact'))
    const copy = h('button', { type: 'button', class: 'secondary', part: 'button', disabled: true, onclick: () => { void this.#copyInvite() } }, 'Copy invite link')
    this.#ui = {
      me: h('div', { class: 'me', part: 'me' }, 'Starting…'),
      status: h('span', { class: 'status', role: 'status', 'data-state': 'starting', part: 'status' }, 'starting'),
      copy,
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
        h('header', { part: 'header' }, this.#ui.me, this.#ui.status, copy),
        h('aside', { part: 'sidebar', 'aria-label': 'Chats and contacts' },
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
    if (messenger == null) return
    for (const type of REFRESHING_EVENTS) messenger.addEventListener(type, this.#onEvent)
    this.#ui.me.replaceChildren(h('strong', {}, 'You: '), messenger.address)
    this.#ui.me.title = messenger.address
    this.#ui.copy.disabled = false
    this.#setStatus('online')
    if (!owned) void this.#refresh()
  }

  readonly #onEvent = (evt: Event): void => {
    const detail = (evt as CustomEvent).detail as { message?: MessageView, conversationId?: string }
    const conversationId = detail.message?.conversationId ?? detail.conversationId
    if (evt.type === 'message' && conversationId != null && conversationId === this.#current?.id && document.visibilityState !== 'hidden') {
      // read while on screen: refresh once the read mark (and the unread count) is stored
      void this.#messenger?.markRead(conversationId).catch(() => {}).finally(() => { this.#scheduleRefresh() })
      return
    }
    this.#scheduleRefresh()
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
    if (this.#current != null) {
      this.#current = this.#conversations.find((c) => c.id === this.#current?.id) ?? this.#current
      this.#messages = (await messenger.messages(this.#current.id, { limit: PAGE_SIZE })).items.reverse()
    }
    this.#renderLists()
    this.#renderConversation()
  }

  #renderLists (): void {
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
      fill(this.#ui.main, h('p', { class: 'empty' }, this.#messenger == null ? 'Connecting…' : 'Choose a chat or add a contact'))
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

    const list = h('ol', { class: 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': `Messages with ${c.title}`, part: 'messages', tabindex: 0 },
      ...this.#messages.map((m) => this.#renderMessage(m)))
    const input = h('textarea', {
      id: 'compose', rows: 1, part: 'input composer-input', placeholder: c.kind === 'secret' && c.secretState !== 'active' ? 'Waiting for the secret chat to be accepted' : 'Message',
      disabled: c.kind === 'secret' && c.secretState !== 'active',
      onkeydown: (evt: KeyboardEvent) => {
        if (evt.key === 'Enter' && !evt.shiftKey && !evt.isComposing) { evt.preventDefault(); (evt.target as HTMLTextAreaElement).form?.requestSubmit() }
      }
    })
    const focused = this.#root.activeElement?.id === 'compose'
    const draft = (this.#ui.main.querySelector('#compose') as HTMLTextAreaElement | null)?.value ?? ''
    input.value = draft
    fill(this.#ui.main,
      h('div', { class: 'conv-head', part: 'conversation-header' },
        h('h2', { id: 'conv-title', title: c.peer }, c.title, c.kind === 'secret' ? h('span', { class: 'badge secret' }, 'secret') : null),
        h('label', { class: 'inline', for: 'timer' }, 'Disappearing', timer),
        ...actions,
        safetyShown ? h('p', { id: 'safety', class: 'safety', part: 'safety-number', 'aria-label': 'Safety number' }, groupDigits(this.#safety?.digits ?? '')) : null,
        safetyShown && this.#contacts.find((k) => k.address === c.peer)?.verification !== 'verified'
          ? h('button', { type: 'button', class: 'secondary', part: 'button verify-button', onclick: () => { void this.#act(async (m) => { await m.markVerified(c.peer) }) } }, 'Mark as verified')
          : null),
      list,
      h('form', { class: 'composer', part: 'composer', 'aria-label': 'Send a message', onsubmit: (evt: Event) => { evt.preventDefault(); void this.#send(input) } },
        h('label', { for: 'compose', class: 'visually-hidden' }, 'Message'),
        input,
        h('button', { type: 'submit', class: 'primary', part: 'button send-button', disabled: input.disabled }, 'Send')))
    list.scrollTop = list.scrollHeight
    if (focused) input.focus()
  }

  #renderMessage (m: MessageView): HTMLLIElement {
    const tick = DELIVERY_TICKS[m.status] ?? DELIVERY_TICKS.queued
    return h('li', { class: `msg ${m.direction}`, part: `message message-${m.direction}`, 'data-id': m.id, 'data-status': m.status },
      m.kind === 'text' ? (m.text ?? '') : h('em', {}, 'Unsupported message'),
      h('span', { class: 'meta' },
        m.expiresAt != null ? h('span', { title: `Disappears ${new Date(m.expiresAt).toLocaleString()}`, role: 'img', 'aria-label': 'Disappearing message' }, '◷') : null,
        h('time', { datetime: new Date(m.sentAt).toISOString() }, formatTime(m.sentAt)),
        m.direction === 'out' ? h('span', { class: 'ticks', part: 'ticks', 'data-state': m.status, role: 'img', 'aria-label': tick.label, title: tick.label }, tick.glyph) : null,
        // normal chats: one deletes one's own messages for both; secret chats: any message
        m.direction === 'out' || this.#current?.kind === 'secret'
          ? h('button', { type: 'button', class: 'delete', part: 'delete-button', 'aria-label': 'Delete for everyone', title: 'Delete for everyone', onclick: () => { void this.#deleteForEveryone(m.id) } }, '✕')
          : null))
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
    await this.#act(async (m) => { this.#current = await m.setDisappearingTimer(c.id, value === 'off' ? null : Number(value)) })
  }

  async #deleteForEveryone (id: string): Promise<void> {
    const c = this.#current
    if (c == null) return
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
    if (this.#messenger == null) this.#setStatus('offline', e.code === 'ERR_STORE_LOCKED' ? 'open in another tab' : 'offline')
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
