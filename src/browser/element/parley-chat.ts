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
import type { ContactView, ConversationView, MessageView, MessengerApi, MessengerEvents, ReachabilityView } from '../../messenger/types.js'
import { TIMER_CHOICES, fill, formatTime, h, shortAddress } from './dom.js'
import { confirmAction, copyInvite, showDeviceLinkQr, showDialog, showInviteQr, showQr } from './dialogs.js'
import { LazyViews } from './lazy-views.js'
import { askNotificationPermission, messageNotification, notificationPermission, notifyInBackground } from './notify.js'
import { renderConversation, renderPlaceholder, startFailure, type ConversationActions } from './render-conversation.js'
import { renderChatItems, renderContactItems, showSearchResults } from './render-lists.js'
import { ChatLines } from './chat-lines.js'
import { statusOf } from './reachability.js'
import { renderShell, type ShellUi } from './render-shell.js'

/** Messages shown per conversation (newest). */
const PAGE_SIZE = 100

const REFRESHING_EVENTS: Array<keyof MessengerEvents & string> = [
  'message', 'message-updated', 'messages-deleted', 'delivery', 'conversation-updated', 'contact-key-changed',
  'contact-removed', 'screenshot', 'typing', 'reachability', 'contact-updated'
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
  /** The messenger's reachability: the header's status and why queued messages wait. */
  #reach: ReachabilityView | undefined
  /** Why an outgoing message failed, from `delivery` events. */
  readonly #failures = new Map<string, string>()
  /** Chat lines the element shows for events that store no message (timer changes, …), per conversation. */
  readonly #lines = new ChatLines()
  /** Conversations where someone is typing, and who. */
  readonly #typing = new Map<string, string>()
  /** The rename form is open for the current conversation's contact. */
  #renaming = false
  /** Set when the messenger could not start: the element says why and stays disabled. */
  #startFailure: string | undefined
  /** Files, devices and groups: lazy chunks of their own. */
  readonly #views: LazyViews
  readonly #root: ShadowRoot
  readonly #ui: ShellUi

  constructor () {
    super()
    this.#root = this.attachShadow({ mode: 'open' })
    this.#ui = renderShell(this.#root, {
      addContact: () => { void this.#addContact() },
      copyInvite: () => { void this.#act(async (m) => { await copyInvite(this, this.#ui.copy, m.inviteLink()) }) },
      showInviteQr: () => { void this.#act(async (m) => { await showInviteQr(this.#root, m.inviteLink()) }) },
      askNotifications: () => { void this.#askNotifications() },
      linkDevice: () => { void this.#act(async (m) => { await showDeviceLinkQr(this.#root, await m.createDeviceLink()) }) },
      showDevices: () => { void this.#views.showDevices() },
      newGroup: () => { void this.#views.createGroup() },
      channels: (what) => { void this.#views.channelDialog(what) },
      // an empty search hides the results
      search: (text) => { void this.#act(async (m) => { showSearchResults(this.#ui.searchResults, text.trim() === '' ? undefined : await m.search(text), (id) => { void this.openConversation(id) }) }) }
    })
    this.#views = new LazyViews({
      root: this.#root,
      kit: { h, fill, showDialog, confirmAction, showQr, formatTime, shortAddress, timerChoices: TIMER_CHOICES },
      messenger: () => this.#messenger,
      contacts: () => this.#contacts,
      fail: (err) => { this.#fail(err) },
      rerender: () => { this.#renderConversation() },
      refresh: () => { this.#scheduleRefresh() },
      note: (address, text) => { const c = this.#conversations.find((k) => k.kind === 'normal' && k.peer === address); if (c != null) { this.#lines.add(c.id, text); this.#renderConversation() } },
      openConversation: async (id) => { await this.openConversation(id) }
    })
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
    this.#views.attach(messenger)
    if (messenger == null) { this.#enableControls(false); return }
    for (const type of REFRESHING_EVENTS) messenger.addEventListener(type, this.#onEvent)
    this.#ui.me.replaceChildren(h('strong', {}, 'You: '), messenger.address)
    this.#ui.me.title = messenger.address
    this.#startFailure = undefined
    this.#enableControls(true)
    this.#showReachability(messenger.reachability())
    if (!owned) void this.#refresh()
  }

  readonly #onEvent = (evt: Event): void => {
    const detail = (evt as CustomEvent).detail as Partial<MessengerEvents[string & keyof MessengerEvents]> & {
      message?: MessageView, conversationId?: string, conversation?: ConversationView, messageId?: string, state?: string, reason?: string, typing?: boolean, from?: string
    }
    const conversationId = detail.message?.conversationId ?? detail.conversationId ?? detail.conversation?.id
    if (evt.type === 'reachability') { this.#showReachability((detail as MessengerEvents['reachability']).reachability); this.#renderConversation(); return }
    if (evt.type === 'delivery' && detail.state === 'failed' && detail.messageId != null) this.#failures.set(detail.messageId, detail.reason ?? 'not delivered')
    if (evt.type === 'conversation-updated' && detail.conversation != null) this.#lines.note(detail.conversation)
    if (evt.type === 'typing' && conversationId != null) {
      if (detail.typing === true) this.#typing.set(conversationId, detail.from ?? '')
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

  /** A notification for a message arriving while the page is in a background tab (with permission). */
  #notify (message: MessageView): void {
    const conversation = this.#conversations.find((c) => c.id === message.conversationId)
    notifyInBackground({ ...messageNotification(message, conversation), onclick: () => { void this.openConversation(message.conversationId) } })
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
    for (const control of [this.#ui.addInput, this.#ui.addName, this.#ui.addButton, this.#ui.copy, this.#ui.qr, this.#ui.link, this.#ui.devices, this.#ui.newGroup, this.#ui.newChannel, this.#ui.follow, this.#ui.searchInput]) control.disabled = !on
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
    for (const c of this.#conversations) this.#lines.know(c)
    if (this.#current != null) {
      this.#current = this.#conversations.find((c) => c.id === this.#current?.id) ?? this.#current
      this.#messages = (await messenger.messages(this.#current.id, { limit: PAGE_SIZE })).items.reverse()
    }
    this.#views.sync(this.#conversations, this.#current, this.#messages)
    this.#renderLists()
    this.#renderConversation()
  }

  #renderLists (): void {
    this.#renderNotifyButton()
    fill(this.#ui.chats, ...renderChatItems(this.#conversations, this.#current?.id, (id) => { void this.openConversation(id) }))
    fill(this.#ui.contacts, ...renderContactItems(this.#contacts, (address) => { void this.#openContact(address) }))
  }

  #renderConversation (): void {
    if (this.#views.channels?.open != null) return // an open channel has the pane (channel-views.ts)
    const c = this.#current
    if (c == null) {
      fill(this.#ui.main, renderPlaceholder(this.#startFailure, this.#messenger != null))
      return
    }
    const focusedId = this.#root.activeElement?.id
    const contact = this.#contacts.find((k) => k.address === c.peer)
    const { children, list, input } = renderConversation({
      conversation: c,
      messages: this.#messages,
      lines: this.#lines.of(c.id),
      failures: this.#failures,
      reachability: this.#reach,
      safetyDigits: this.#safety?.address === c.peer ? this.#safety.digits : undefined,
      verified: contact?.verification === 'verified',
      typing: this.#typing.has(c.id),
      typingFrom: this.#typing.get(c.id),
      renaming: this.#renaming,
      renameValue: (this.#root.getElementById('rename-input') as HTMLInputElement | null)?.value ?? contact?.name ?? c.title,
      draft: (this.#ui.main.querySelector('#compose') as HTMLTextAreaElement | null)?.value ?? '',
      files: this.#views.files,
      group: this.#views.groups
    }, this.#conversationActions)
    fill(this.#ui.main, ...children)
    list.scrollTop = list.scrollHeight
    if (focusedId === 'compose') input.focus()
    else if (focusedId != null && focusedId !== '') (this.#root.getElementById(focusedId) as HTMLElement | null)?.focus()
  }

  /** What the conversation pane's controls do. */
  readonly #conversationActions: ConversationActions = {
    act: async (fn) => { await this.#act(fn) },
    openConversation: async (id) => { await this.openConversation(id) },
    setTimer: (value) => { void this.#setTimer(value) },
    toggleSafety: (address) => { void this.#toggleSafety(address) },
    startRename: () => { this.#renaming = true; this.#renderConversation(); (this.#root.querySelector('#rename-input') as HTMLInputElement | null)?.select() },
    closeRename: () => { this.#renaming = false; this.#renderConversation(); (this.#root.getElementById('rename') as HTMLElement | null)?.focus() },
    rename: (peer, name) => { void this.#act(async (m) => { await m.renameContact(peer, name); this.#renaming = false }).then(() => { (this.#root.getElementById('rename') as HTMLElement | null)?.focus() }) },
    send: (input) => { void this.#send(input) },
    deleteForEveryone: (id) => { void this.#deleteForEveryone(id) }
  }

  /** Opens a conversation by id and marks it read. */
  async openConversation (id: string): Promise<void> {
    this.#views.channels?.close()
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
    // the change comes back as a stored notice ("You set disappearing messages to …")
    await this.#act(async (m) => {
      this.#current = await m.setDisappearingTimer(c.id, ttl)
      this.#lines.note(this.#current)
    })
  }

  /** Asks first: deleting for everyone cannot be undone. */
  async #deleteForEveryone (id: string): Promise<void> {
    const c = this.#current
    if (c == null) return
    const sure = await confirmAction(this.#root, {
      title: 'Delete for everyone?',
      body: `This message will be deleted on your devices and on ${c.kind === 'group' ? 'every member’s' : `${c.title}'s`}. This cannot be undone.`,
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
      const failure = startFailure(e, err)
      this.#startFailure = failure.text
      this.#ui.error.hidden = true
      this.#ui.me.textContent = 'Not started'
      this.#setStatus('offline', failure.status)
      this.#enableControls(false)
      this.#renderConversation()
    }
    this.dispatchEvent(new CustomEvent('parley-error', { detail: { error: err, code: e.code }, bubbles: true, composed: true }))
  }

  #setStatus (state: 'online' | 'degraded' | 'offline' | 'starting', text: string = state): void {
    this.#ui.status.dataset.state = state
    this.#ui.status.textContent = text
    this.#ui.status.title = text
  }

  /** "online" only when the messenger says so; otherwise degraded or offline, with the reason. */
  #showReachability (view: ReachabilityView): void {
    this.#reach = view
    const { state, text } = statusOf(view)
    this.#setStatus(state, text)
  }
}

if (customElements.get('parley-chat') == null) customElements.define('parley-chat', ParleyChatElement)

declare global {
  interface HTMLElementTagNameMap { 'parley-chat': ParleyChatElement }
}
