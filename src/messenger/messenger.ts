import { FAR_FUTURE_MS } from './constants.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { multiaddr } from '@multiformats/multiaddr'
import { fromHex, toHex } from '../bytes.js'
import { ReplayError, formatSafetyNumber, safetyNumber, safetyNumberQr } from '../crypto/index.js'
import { ParleyError } from '../errors.js'
import { TypedEvents } from '../events.js'
import { verifyAccountRecord, type DeviceEntry, type RelayEntry, type VerifiedAccountRecord } from '../identity/account-record.js'
import { decodeAddress, encodeAddress } from '../identity/address.js'
import { ENVELOPE_VERSION, Envelope } from '../net/envelope-codec.js'
import type { ParleyNode } from '../node/parley-node.js'
import type { Contact, Conversation, Message, Store, StoreTransaction, StoredValue } from '../store/index.js'
import { newConversationId } from '../store/index.js'
import { VERSION } from '../version.js'
import { Content } from '../wire/content.js'
import { AnonymousDepositor } from './anonymous-depositor.js'
import { E2ESessions, type FetchedOneTimePrekeys } from './e2e-sessions.js'
import { MailboxPrekey } from '../wire/mailbox.js'
import { SignedPrekey as WireSignedPrekey } from '../wire/parley.js'
import {
  ContactNotFoundError, ConversationNotFoundError, InvalidArgumentError, MessageNotFoundError,
  NotAllowedError, NotForwardableError, SessionResetNeededError, UnknownSenderDeviceError
} from './errors.js'
import { MailboxClient } from '../net/mailbox-client.js'
import { peerIdFromBytes } from '../node/parley-node.js'
import { DeviceLinkServer, LINK_PROTOCOL, encodeLinkCode } from './device-link.js'
import { MailboxSync } from './mailbox-sync.js'
import { EnvelopeQuarantine, type ReceiveRetryPolicy } from './quarantine.js'
import { DELIVERY_RANK, decodeBody, editBody, encodeBody, reactBody, toView, type MessageBody } from './message-body.js'
import { contactView, deviceFingerprint, parseInvite, relayEntryOf, shortAddress } from './contacts.js'
import { MAX_TTL_MS, MIN_TTL_MS, checkTtl } from './timers.js'

export { parseInvite, shortAddress } from './contacts.js'
export { MAX_TTL_MS, MIN_TTL_MS } from './timers.js'
import { Mutex } from './mutex.js'
import { OutboxWorker, PENDING_PREFIX, decodeTarget, encodeTarget, relayAddresses, type OutboxOutcome, type OutboxWorkerInit } from './outbox-worker.js'
import type {
  ContactView, ConversationId, ConversationView, DeliveryState, MessageView, MessengerApi, MessengerEvents, Page,
  QuarantinedView, SecretChatState, SendOptions, StatusView
} from './types.js'

/** Longest text message accepted (characters). */
export const MAX_TEXT_LENGTH = 16_000
/** Relays hold secret-chat envelopes at most this long. */
export const SECRET_RELAY_CAP_MS = 24 * 3600 * 1000
/** Default number of relays an account uses. */
export const DEFAULT_RELAY_COUNT = 2

const FLAG_SECRET = 1
const SETTINGS = {
  conversationsByPeer: 'conversations-by-peer',
  readReceipts: 'read-receipts',
  lastActive: 'last-active',
  secret: (id: string) => `secret-chat:${id}`,
  record: (address: string) => `record:${address}`
}

interface SecretChatInfo {
  state: SecretChatState
  directOnly: boolean
  /** The one peer device this chat is bound to. */
  peerDevice: string
}

interface Target {
  address: string
  device: DeviceEntry
  /** A copy for one of my own other devices. */
  sync: boolean
}

export interface MessengerInit {
  node: ParleyNode
  store: Store
  /** This account's relays (multiaddrs with /p2p/). When empty, up to `relayCount` are found in the DHT. */
  relays?: string[]
  relayCount?: number
  /** Let the anonymous depositor dial private/loopback addresses (tests, LANs). */
  allowPrivateAddresses?: boolean
  /** Outbox tuning (tests shorten timeouts). */
  outbox?: Partial<Pick<OutboxWorkerInit, 'directTimeoutMs' | 'maxAgeMs' | 'pollMs' | 'concurrency'>>
  /** Periodic mailbox drain. */
  drainIntervalMs?: number
  /** Bounded retries of relay envelopes that fail to be received, before quarantine (tests shorten them). */
  receiveRetry?: ReceiveRetryPolicy
  /** Stop (and close) the node when the messenger stops. @default true */
  stopNodeOnStop?: boolean
  /** Clock, for tests of timers. */
  now?: () => number
}

/** The contact deleted its account (its record is a signed tombstone). */
export class AccountDeletedError extends ParleyError {
  static override name = 'AccountDeletedError'
  constructor () { super('That account was deleted by its owner', 'ERR_ACCOUNT_DELETED') }
}

/** The account was wiped because it stayed inactive past its self-destruct period. */
export class AccountExpiredError extends ParleyError {
  static override name = 'AccountExpiredError'
  constructor () { super('The account passed its inactivity period and was wiped', 'ERR_ACCOUNT_EXPIRED') }
}

/**
 * Creates a messenger on an opened (not started) node and its store.
 *
 * @example
 * ```ts
 * const node = await openHomeNode({ home, passphrase, create: true })
 * const messenger = await createMessenger({ node, store: node.store, relays })
 * await messenger.start()
 * const conversation = await messenger.conversationWith(bobAddress)
 * await messenger.sendText(conversation.id, 'hello')
 * ```
 */
export async function createMessenger (init: MessengerInit): Promise<Messenger> {
  return new Messenger(init)
}

/**
 * Parley's chat domain: contacts, normal and secret conversations, disappearing messages,
 * deletes for both, receipts, multi-device fan-out, the persistent outbox and relay mailboxes.
 */
export class Messenger extends TypedEvents<MessengerEvents> implements MessengerApi {
  readonly node: ParleyNode
  readonly store: Store
  private readonly sessions: E2ESessions
  private readonly outbox: OutboxWorker
  private readonly depositor: AnonymousDepositor
  private mailbox: MailboxSync | undefined
  private readonly quarantine: EnvelopeQuarantine
  private readonly lock = new Mutex()
  private readonly init: MessengerInit
  private expiryTimer: ReturnType<typeof setTimeout> | undefined
  private activityTimer: ReturnType<typeof setInterval> | undefined
  private running = false
  private relayAddrs: string[] = []

  constructor (init: MessengerInit) {
    super()
    this.init = init
    this.node = init.node
    this.store = init.store
    this.sessions = new E2ESessions(init.store, init.node.backend, init.node.identity, init.node.prekeys)
    this.depositor = new AnonymousDepositor({ allowPrivateAddresses: init.allowPrivateAddresses, logger: init.node.libp2p.logger })
    this.quarantine = new EnvelopeQuarantine({
      store: init.store, log: init.node.libp2p.logger.forComponent('parley:quarantine'), now: () => this.now(), policy: init.receiveRetry
    })
    this.outbox = new OutboxWorker({
      store: init.store,
      node: init.node,
      depositor: this.depositor,
      resolve: async (address, deviceHex, signal) => this.resolveDevice(address, deviceHex, signal),
      expand: async (entry) => {
        const content = Content.decode(entry.envelope)
        const conversation = await this.requireConversation(entry.targets[0].slice(PENDING_PREFIX.length))
        await this.dispatch(conversation, content)
      },
      ...init.outbox
    })
    this.outbox.addEventListener('outcome', (evt) => { void this.onOutboxOutcome(evt.detail) })
    this.node.setEnvelopeHandler(async ({ envelope }) => { await this.receive(envelope, 'direct') })
  }

  private now (): number {
    return this.init.now?.() ?? Date.now()
  }

  get address (): string {
    return this.node.address
  }

  /** Relays this account uses (multiaddrs). */
  get relays (): string[] {
    return [...this.relayAddrs]
  }

  // ---------------------------------------------------------------- lifecycle

  async start (options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.running) return
    await this.checkSelfDestruct()
    await this.node.start(options)
    this.running = true
    await this.touchActivity()
    this.activityTimer = setInterval(() => { void this.touchActivity() }, 3600_000)
    ;(this.activityTimer as { unref?: () => void }).unref?.()
    this.relayAddrs = await this.chooseRelays(options)
    const online = this.node.libp2p.getConnections().length > 0
    // another device of this account may have signed a newer record (added a device…): keep it
    if (online) await this.node.refreshOwnRecord({ signal: AbortSignal.timeout(5000) })
    await this.node.signAccountRecord({ relays: this.relayAddrs.map(relayEntryOf) })
    if (online) {
      // when start() resolves, contacts can find this device (unless the DHT is unreachable:
      // the node keeps retrying in the background, as it does when nobody is connected yet)
      await this.node.publishAccountRecord({ signal: AbortSignal.any([options.signal ?? AbortSignal.timeout(10_000), AbortSignal.timeout(10_000)]) }).catch(() => {})
    }
    this.outbox.start()
    this.node.libp2p.addEventListener('peer:connect', this.onPeerConnect)
    if (this.relayAddrs.length > 0) {
      this.mailbox = new MailboxSync({
        node: this.node,
        relays: this.relayAddrs,
        drainIntervalMs: this.init.drainIntervalMs,
        quarantine: this.quarantine,
        onEnvelope: async (envelope) => { await this.receive(envelope) }
      })
      await this.mailbox.start()
    }
    await this.sweepExpired()
  }

  async stop (): Promise<void> {
    await this.stopWith({})
  }

  private async stopWith (options: { keepStore?: boolean }): Promise<void> {
    if (!this.running) return
    this.running = false
    clearTimeout(this.expiryTimer)
    clearInterval(this.activityTimer)
    this.node.libp2p.removeEventListener('peer:connect', this.onPeerConnect)
    if (this.linkServer != null) { await this.node.libp2p.unhandle(LINK_PROTOCOL).catch(() => {}); this.linkServer = undefined }
    await this.mailbox?.stop()
    await this.outbox.stop()
    await this.depositor.stop()
    await this.lock.run(async () => {})
    if (this.init.stopNodeOnStop !== false || options.keepStore === true) await this.node.stop(options)
  }

  /** A peer came online: pending deliveries are worth trying now rather than at their backoff time. */
  private readonly onPeerConnect = (): void => {
    void this.outbox.retrySoon()
  }

  private async chooseRelays (options: { signal?: AbortSignal }): Promise<string[]> {
    const configured = this.init.relays ?? []
    for (const relay of configured) {
      await this.node.libp2p.dial(multiaddr(relay), { signal: AbortSignal.any([options.signal ?? AbortSignal.timeout(10_000), AbortSignal.timeout(10_000)]) }).catch(() => {})
    }
    if (configured.length > 0) return configured
    const wanted = this.init.relayCount ?? DEFAULT_RELAY_COUNT
    const dht = this.node.libp2p.services.dht as unknown as { routingTable?: { size: number } }
    // nobody to ask (first start without bootstrap peers): direct delivery only, and no waiting
    if (wanted <= 0 || (dht.routingTable?.size ?? 0) === 0) return []
    // discovered through the DHT: relays provide a well-known key
    const { relayProviderCid } = await import('../relay/relay-key.js')
    const found: string[] = []
    try {
      const signal = AbortSignal.any([options.signal ?? AbortSignal.timeout(5000), AbortSignal.timeout(5000)])
      for await (const provider of this.node.libp2p.contentRouting.findProviders(await relayProviderCid(), { signal })) {
        const addr = provider.multiaddrs.find((ma) => !ma.toString().includes('/p2p-circuit'))
        if (addr == null) continue
        found.push(`${addr.toString()}/p2p/${provider.id.toString()}`)
        if (found.length >= wanted) break
      }
    } catch { /* no relays found: direct delivery only */ }
    return found
  }

  // ---------------------------------------------------------------- self-destruct

  private async touchActivity (): Promise<void> {
    await this.store.settings.put(SETTINGS.lastActive, this.now()).catch(() => {})
  }

  private async inactivityDays (): Promise<number> {
    return this.node.ownRecordBody()?.inactivityDays ?? 180
  }

  /** A device that comes back after its account's inactivity period wipes itself. */
  private async checkSelfDestruct (): Promise<void> {
    const last = await this.store.settings.get(SETTINGS.lastActive)
    if (typeof last !== 'number') return
    const days = await this.inactivityDays()
    if (this.now() - last > days * 24 * 3600 * 1000) {
      await this.node.stop({ keepStore: true }).catch(() => {})
      await this.store.wipe()
      this.emit('wiped', { reason: 'inactivity' })
      throw new AccountExpiredError()
    }
  }

  // ---------------------------------------------------------------- accounts and devices

  /** An account's record: the DHT (cached), else the last copy we stored. Detects device-key changes. */
  private async resolveAccount (address: string, signal?: AbortSignal, fresh = false): Promise<VerifiedAccountRecord> {
    let record: VerifiedAccountRecord
    try {
      record = await this.node.lookupAccount(address, { signal: signal ?? AbortSignal.timeout(15_000), fresh })
      const stored = await this.store.settings.get(SETTINGS.record(address))
      if (!(stored instanceof Uint8Array) || !equalBytes(stored, record.bytes)) {
        await this.store.settings.put(SETTINGS.record(address), record.bytes)
        await this.noteDeviceKeys(address, record)
      }
    } catch (err) {
      const stored = await this.store.settings.get(SETTINGS.record(address))
      if (!(stored instanceof Uint8Array)) throw err
      record = verifyAccountRecord(stored, { accountKey: decodeAddress(address), now: 0 })
    }
    return record
  }

  private async noteDeviceKeys (address: string, record: VerifiedAccountRecord): Promise<void> {
    if (record.body.deleted) {
      // a signed tombstone: the account is gone; drop the contact (its history stays readable)
      if ((await this.store.contacts.get(address)) != null) {
        await this.store.contacts.delete(address)
        this.emit('contact-removed', { address, reason: 'account-deleted' })
      }
      return
    }
    const fingerprint = deviceFingerprint(record.body.devices)
    const contact = await this.store.contacts.get(address)
    if (contact == null) return
    if (contact.identityKey.length > 0 && !equalBytes(contact.identityKey, fingerprint)) {
      const wasVerified = contact.verification === 'verified'
      await this.store.contacts.put({
        ...contact,
        identityKey: fingerprint,
        verification: wasVerified ? 'changed' : contact.verification,
        keyHistory: [...contact.keyHistory, { key: contact.identityKey, replacedAt: this.now() }].slice(-20)
      })
      this.emit('contact-key-changed', { address, wasVerified })
    } else if (contact.identityKey.length === 0) {
      await this.store.contacts.put({ ...contact, identityKey: fingerprint })
    }
  }

  private async resolveDevice (address: string, deviceHex: string, signal: AbortSignal): Promise<{ device: DeviceEntry, relays: RelayEntry[] }> {
    const record = await this.resolveAccount(address, signal)
    if (record.body.deleted) throw new AccountDeletedError()
    const device = record.body.devices.find((d) => toHex(d.deviceKey) === deviceHex)
    if (device == null) throw new UnknownSenderDeviceError('Recipient device is no longer listed in its account record')
    return { device, relays: record.body.relays }
  }

  // ---------------------------------------------------------------- my devices

  private linkServer: DeviceLinkServer | undefined

  /**
   * A one-time code (valid 10 minutes) with which a new device joins this account:
   * `parley init --link <code>` or `openHomeMessenger({ …, linkCode })` on the new device.
   */
  async createDeviceLink (options: { ttlMs?: number } = {}): Promise<string> {
    if (this.linkServer == null) {
      const server = new DeviceLinkServer({
        accountKey: this.node.accountKey,
        accountSecret: () => this.node.identity.account.secretKey,
        addDevice: async (entry) => {
          const record = await this.node.signAccountRecord({ addDevices: [entry] })
          await this.node.publishAccountRecord({ signal: AbortSignal.timeout(15_000) }).catch(() => {})
          return record
        }
      })
      await this.node.libp2p.handle(LINK_PROTOCOL, (stream) => { void server.handle(stream) }, { runOnLimitedConnection: false, maxInboundStreams: 2 })
      this.linkServer = server
    }
    return encodeLinkCode({ address: this.address, secret: this.linkServer.issue(options.ttlMs), multiaddrs: this.node.multiaddrs.map(String) })
  }

  /** This account's devices, as its record lists them. */
  async devices (): Promise<Array<{ deviceKey: string, peerId: string, thisDevice: boolean }>> {
    return (this.node.ownRecordBody()?.devices ?? []).map((d) => ({
      deviceKey: toHex(d.deviceKey),
      peerId: peerIdFromBytes(d.peerId).toString(),
      thisDevice: equalBytes(d.deviceKey, this.node.deviceKey)
    }))
  }

  // ---------------------------------------------------------------- contacts

  inviteLink (): string {
    const relay = this.relayAddrs[0]
    return `parley:${this.address}${relay != null ? `?relay=${encodeURIComponent(relay)}` : ''}`
  }

  async addContact (addressOrLink: string, init: { name?: string } = {}, options: { signal?: AbortSignal } = {}): Promise<ContactView> {
    const { address, relay } = parseInvite(addressOrLink)
    decodeAddress(address)
    if (address === this.address) throw new InvalidArgumentError('That is this account')
    // the invite's relay (checked by parseInvite: TCP or WebSocket, /p2p/<id>) helps find the contact
    if (relay != null) {
      await this.node.libp2p.dial(multiaddr(relay), { signal: options.signal ?? AbortSignal.timeout(10_000) }).catch((err: unknown) => {
        this.node.libp2p.logger.forComponent('parley:messenger:invite').trace('could not dial the invite relay %s - %e', relay, err)
      })
    }
    const existing = await this.store.contacts.get(address, options)
    const contact: Contact = existing != null
      ? { ...existing, name: init.name ?? existing.name }
      : { accountId: address, name: init.name ?? shortAddress(address), identityKey: new Uint8Array(0), verification: 'unverified', keyHistory: [], blocked: false, addedAt: this.now() }
    await this.store.contacts.put(contact, options)
    // learn the record (and device keys) in the background
    void this.resolveAccount(address).catch(() => {})
    return contactView(contact)
  }

  async listContacts (options: { signal?: AbortSignal } = {}): Promise<ContactView[]> {
    const out: ContactView[] = []
    let cursor: string | undefined
    do {
      const page = await this.store.contacts.list({ ...options, limit: 500, cursor })
      out.push(...page.items.map(contactView))
      cursor = page.cursor
    } while (cursor != null)
    return out
  }

  private async requireContact (address: string): Promise<Contact> {
    const contact = await this.store.contacts.get(address)
    if (contact == null) throw new ContactNotFoundError(address)
    return contact
  }

  async renameContact (address: string, name: string, options: { signal?: AbortSignal } = {}): Promise<ContactView> {
    const contact = { ...(await this.requireContact(address)), name: name.slice(0, 200) }
    await this.store.contacts.put(contact, options)
    return contactView(contact)
  }

  async removeContact (address: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.requireContact(address)
    await this.store.contacts.delete(address, options)
  }

  async blockContact (address: string, blocked: boolean, options: { signal?: AbortSignal } = {}): Promise<ContactView> {
    const contact = { ...(await this.requireContact(address)), blocked }
    await this.store.contacts.put(contact, options)
    return contactView(contact)
  }

  async safetyNumber (address: string): Promise<{ digits: string, qr: Uint8Array }> {
    const theirs = decodeAddress(address)
    return { digits: formatSafetyNumber(safetyNumber(this.node.accountKey, theirs)), qr: safetyNumberQr(this.node.accountKey, theirs) }
  }

  async markVerified (address: string, options: { signal?: AbortSignal } = {}): Promise<ContactView> {
    const contact: Contact = { ...(await this.requireContact(address)), verification: 'verified' }
    await this.store.contacts.put(contact, options)
    return contactView(contact)
  }

  // ---------------------------------------------------------------- conversations

  private async conversationIndex (): Promise<Record<string, string>> {
    const index = await this.store.settings.get(SETTINGS.conversationsByPeer)
    return (index != null && typeof index === 'object' && !(index instanceof Uint8Array) && !Array.isArray(index)) ? index as Record<string, string> : {}
  }

  private async secretInfo (id: string, tx?: StoreTransaction): Promise<SecretChatInfo | undefined> {
    const info = await (tx ?? this.store).settings.get(SETTINGS.secret(id))
    return info == null ? undefined : info as unknown as SecretChatInfo
  }

  private async view (conversation: Conversation): Promise<ConversationView> {
    const peer = conversation.members[0]
    const contact = await this.store.contacts.get(peer)
    const view: ConversationView = {
      id: conversation.id,
      kind: conversation.kind,
      peer,
      title: contact?.name ?? shortAddress(peer),
      lastActivity: conversation.lastActivity,
      unreadCount: conversation.unreadCount,
      disappearingTimerMs: conversation.disappearingTimerMs
    }
    if (conversation.kind === 'secret') {
      const info = await this.secretInfo(conversation.id)
      view.secretState = info?.state ?? 'closed'
      view.directOnly = info?.directOnly ?? false
    }
    return view
  }

  private async requireConversation (id: string, tx?: StoreTransaction): Promise<Conversation> {
    const conversation = await (tx ?? this.store).conversations.get(id)
    if (conversation == null) throw new ConversationNotFoundError(id)
    return conversation
  }

  async conversations (options: { signal?: AbortSignal, limit?: number, cursor?: string } = {}): Promise<Page<ConversationView>> {
    const page = await this.store.conversations.byActivity(options)
    return { items: await Promise.all(page.items.map(async (c) => this.view(c))), ...(page.cursor != null ? { cursor: page.cursor } : {}) }
  }

  async getConversation (id: ConversationId): Promise<ConversationView> {
    return this.view(await this.requireConversation(id))
  }

  /** The normal conversation with `address` (created, and the contact added, on first use). */
  async conversationWith (address: string, options: { signal?: AbortSignal } = {}): Promise<ConversationView> {
    return this.view(await this.lock.run(async () => this.normalConversation(address, options)))
  }

  private async normalConversation (address: string, options: { signal?: AbortSignal } = {}, tx?: StoreTransaction): Promise<Conversation> {
    decodeAddress(address)
    const repo = tx ?? this.store
    const index = await this.conversationIndex()
    const known = index[address]
    if (known != null) {
      const conversation = await repo.conversations.get(known)
      if (conversation != null) return conversation
    }
    if ((await repo.contacts.get(address)) == null) {
      await repo.contacts.put({ accountId: address, name: shortAddress(address), identityKey: new Uint8Array(0), verification: 'unverified', keyHistory: [], blocked: false, addedAt: this.now() })
    }
    const conversation: Conversation = {
      id: newConversationId(), kind: 'normal', members: [address], lastActivity: this.now(), unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: this.now()
    }
    await repo.conversations.put(conversation, options)
    await repo.settings.put(SETTINGS.conversationsByPeer, { ...index, [address]: conversation.id })
    return conversation
  }

  async messages (id: ConversationId, options: { signal?: AbortSignal, limit?: number, cursor?: string } = {}): Promise<Page<MessageView>> {
    await this.requireConversation(id)
    const page = await this.store.messages.latest(id, options)
    return { items: page.items.map(toView), ...(page.cursor != null ? { cursor: page.cursor } : {}) }
  }

  // ---------------------------------------------------------------- sending

  /** Recipient devices of a conversation: the peer's devices (or the one bound secret device) and my other devices. */
  private async targets (conversation: Conversation, includeOwn: boolean): Promise<Target[]> {
    const peer = conversation.members[0]
    const record = await this.resolveAccount(peer)
    if (record.body.deleted) throw new AccountDeletedError()
    if (conversation.kind === 'secret') {
      const info = await this.secretInfo(conversation.id)
      const device = record.body.devices.find((d) => toHex(d.deviceKey) === info?.peerDevice)
      if (device == null) throw new UnknownSenderDeviceError('The secret chat device is gone')
      return [{ address: peer, device, sync: false }]
    }
    const targets: Target[] = record.body.devices.map((device) => ({ address: peer, device, sync: false }))
    if (includeOwn) {
      for (const device of this.node.ownRecordBody()?.devices ?? []) {
        if (!equalBytes(device.deviceKey, this.node.deviceKey)) targets.push({ address: this.address, device, sync: true })
      }
    }
    return targets
  }

  /**
   * Encrypts `content` to every target and queues the envelopes in the outbox, in one store
   * transaction with `alsoWrite` (the message itself). Ephemeral content (typing) is sent
   * directly once and never queued.
   */
  private async dispatch (conversation: Conversation, content: Content, options: { alsoWrite?: (tx: StoreTransaction) => Promise<void>, ephemeral?: boolean, includeOwn?: boolean, only?: Target[] } = {}): Promise<void> {
    const targets = options.only ?? await this.targets(conversation, options.includeOwn ?? true)
    const secret = conversation.kind === 'secret'
    const info = secret ? await this.secretInfo(conversation.id) : undefined
    const now = this.now()
    const ttl = Number(content.ttlMs)
    const expiresAt = secret
      ? now + Math.min(ttl > 0 ? Math.max(ttl, SECRET_RELAY_CAP_MS) : SECRET_RELAY_CAP_MS, SECRET_RELAY_CAP_MS)
      : (ttl > 0 && content.kind === Content.Kind.TEXT ? Number(content.sentAt) + ttl : 0)
    const direct: Array<{ device: DeviceEntry, envelope: Envelope }> = []
    // devices we have no session with yet: a one-time prekey from their relays makes the handshake stronger
    const oneTime = new Map<string, FetchedOneTimePrekeys>()
    for (const target of targets) {
      if (!(await this.sessions.has(target.device.deviceKey))) oneTime.set(toHex(target.device.deviceKey), await this.fetchOneTimePrekeys(target.address, target.device))
    }
    await this.lock.run(async () => this.store.transaction(async (tx) => {
      await options.alsoWrite?.(tx)
      for (const target of targets) {
        const body = target.sync ? { ...content, syncPeer: decodeAddress(conversation.members[0]) } : content
        const sealed = await this.sessions.seal(target.device, Content.encode(body), oneTime.get(toHex(target.device.deviceKey)), tx)
        await sealed.commit(tx)
        const envelope: Envelope = {
          version: ENVELOPE_VERSION,
          id: randomBytes(16),
          recipientDevice: target.device.deviceKey,
          payload: sealed.payload,
          createdAt: BigInt(now),
          expiresAt: BigInt(expiresAt),
          flags: secret ? FLAG_SECRET : 0
        }
        if (options.ephemeral === true) {
          direct.push({ device: target.device, envelope })
          continue
        }
        await tx.outbox.put({
          id: toHex(envelope.id),
          envelope: Envelope.encode(envelope),
          targets: [encodeTarget({ address: target.address, deviceHex: toHex(target.device.deviceKey), directOnly: info?.directOnly === true })],
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          messageId: content.kind === Content.Kind.TEXT && !target.sync ? toHex(content.messageId) : null,
          lastError: null
        })
      }
    }))
    for (const { device, envelope } of direct) {
      void this.node.sendEnvelope(device, { payload: envelope.payload, id: envelope.id, expiresAt: Number(envelope.expiresAt), flags: envelope.flags }, { signal: AbortSignal.timeout(5000) }).catch(() => {})
    }
    this.outbox.kick()
  }

  /** One-time prekeys of a device from its account's relays (best effort, anonymous, 3 s). */
  private async fetchOneTimePrekeys (address: string, device: DeviceEntry): Promise<FetchedOneTimePrekeys> {
    try {
      const record = await this.resolveAccount(address)
      const relays = relayAddresses(record.body.relays)
      if (relays.length === 0) return {}
      const handed = await this.depositor.takePrekey(relays, device.deviceKey, { signal: AbortSignal.timeout(3000) })
      const out: FetchedOneTimePrekeys = {}
      for (const p of handed) {
        if (p.kind === MailboxPrekey.Kind.X25519 && !p.lastResort && p.blob.length === 32) out.oneTimePrekey = { id: p.id, publicKey: p.blob }
        if (p.kind === MailboxPrekey.Kind.ML_KEM && !p.lastResort) {
          const signed = WireSignedPrekey.decode(p.blob)
          out.oneTimePqPrekey = { id: signed.id, publicKey: signed.publicKey, signature: signed.signature, createdAt: Number(signed.createdAt) }
        }
      }
      return out
    } catch {
      return {}
    }
  }

  private baseContent (conversation: Conversation, kind: Content.Kind, extra: Partial<Content> = {}): Content {
    return {
      version: 1,
      kind,
      messageId: randomBytes(16),
      sentAt: BigInt(this.now()),
      clock: BigInt(conversation.clock + 1),
      ttlMs: 0n,
      secretChatId: conversation.kind === 'secret' ? fromHex(conversation.id) : new Uint8Array(0),
      syncPeer: new Uint8Array(0),
      text: '',
      targetId: new Uint8Array(0),
      emoji: '',
      ids: [],
      receipt: Content.ReceiptType.DELIVERED,
      flag: false,
      secretAction: Content.SecretAction.START,
      directOnly: false,
      ...extra
    }
  }

  private async requireActive (conversation: Conversation): Promise<void> {
    if (conversation.kind !== 'secret') return
    const info = await this.secretInfo(conversation.id)
    if (info?.state !== 'active') throw new NotAllowedError(`The secret chat is ${info?.state ?? 'closed'}`)
  }

  async sendText (id: ConversationId, text: string, options: SendOptions = {}): Promise<MessageView> {
    if (text.length === 0 || text.length > MAX_TEXT_LENGTH) throw new InvalidArgumentError(`Text must be 1 to ${MAX_TEXT_LENGTH} characters`)
    const conversation = await this.requireConversation(id)
    await this.requireActive(conversation)
    const ttl = options.ttlMs ?? conversation.disappearingTimerMs ?? 0
    if (ttl !== 0) checkTtl(ttl)
    const content = this.baseContent(conversation, Content.Kind.TEXT, {
      text, ttlMs: BigInt(ttl), ...(options.replyTo != null ? { targetId: fromHex(options.replyTo) } : {})
    })
    const secret = conversation.kind === 'secret'
    const body: MessageBody = {
      kind: 'text', text, reactions: {}, forwardable: !secret,
      ...(options.replyTo != null ? { replyTo: options.replyTo } : {}),
      ...(ttl > 0 ? { ttlMs: ttl, startsOnRead: secret } : {})
    }
    const sentAt = Number(content.sentAt)
    const message: Message = {
      id: toHex(content.messageId),
      conversationId: id,
      clock: Number(content.clock),
      senderTimestamp: sentAt,
      direction: 'out',
      sender: this.address,
      content: encodeBody(body),
      status: 'queued',
      expiresAt: ttl > 0 && !secret ? sentAt + ttl : null
    }
    const alsoWrite = async (tx: StoreTransaction): Promise<void> => {
      await tx.messages.put(message)
      await tx.conversations.recordActivity(id, sentAt, { clock: message.clock })
    }
    try {
      await this.dispatch(conversation, content, { alsoWrite })
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_ACCOUNT_NOT_FOUND') throw err
      // the contact's record is not reachable yet (just added, DHT still filling): keep the
      // message queued; the outbox seals it once the record can be found
      await this.lock.run(async () => this.store.transaction(async (tx) => {
        await alsoWrite(tx)
        await tx.outbox.put({
          id: `pending-${message.id}`, envelope: Content.encode(content), targets: [PENDING_PREFIX + id],
          attempts: 0, nextAttemptAt: this.now() + 1000, createdAt: this.now(), messageId: null, lastError: 'ERR_ACCOUNT_NOT_FOUND'
        })
      }))
      this.outbox.kick()
    }
    const view = toView(message)
    this.emit('message', { message: view })
    this.emit('delivery', { conversationId: id, messageId: message.id, state: 'queued' })
    this.scheduleExpiry()
    return view
  }

  private async updateBody (messageId: string, change: (body: MessageBody, message: Message) => MessageBody | undefined, tx?: StoreTransaction): Promise<Message | undefined> {
    const repo = tx ?? this.store
    const message = await repo.messages.get(messageId)
    if (message == null) return undefined
    const body = change(decodeBody(message.content), message)
    if (body == null) return undefined
    const updated = { ...message, content: encodeBody(body) }
    await repo.messages.put(updated)
    return updated
  }

  async edit (id: ConversationId, messageId: string, text: string): Promise<MessageView> {
    if (text.length === 0 || text.length > MAX_TEXT_LENGTH) throw new InvalidArgumentError('Bad text length')
    const conversation = await this.requireConversation(id)
    const message = await this.store.messages.get(messageId)
    if (message == null || message.conversationId !== id) throw new MessageNotFoundError(messageId)
    if (message.sender !== this.address) throw new NotAllowedError('Only the sender can edit a message')
    let updated: Message | undefined
    await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.EDIT, { targetId: fromHex(messageId), text }), {
      alsoWrite: async (tx) => { updated = await this.updateBody(messageId, (b) => editBody(b, text), tx) }
    })
    const view = toView(updated ?? message)
    this.emit('message-updated', { message: view })
    return view
  }

  async react (id: ConversationId, messageId: string, emoji: string): Promise<MessageView> {
    if (emoji.length === 0 || emoji.length > 16) throw new InvalidArgumentError('Bad emoji')
    const conversation = await this.requireConversation(id)
    const message = await this.store.messages.get(messageId)
    if (message == null || message.conversationId !== id) throw new MessageNotFoundError(messageId)
    let updated: Message | undefined
    await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.REACTION, { targetId: fromHex(messageId), emoji }), {
      alsoWrite: async (tx) => { updated = await this.updateBody(messageId, (b) => reactBody(b, emoji, this.address), tx) }
    })
    const view = toView(updated ?? message)
    this.emit('message-updated', { message: view })
    return view
  }

  async deleteMessages (id: ConversationId, ids: string[], options: { forEveryone?: boolean } = {}): Promise<void> {
    if (ids.length === 0 || ids.length > 500) throw new InvalidArgumentError('Delete 1 to 500 messages at a time')
    // either participant may delete any message of the conversation, on both sides (PROTOCOL.md §6)
    const conversation = await this.requireConversation(id)
    const deleteLocal = async (tx: StoreTransaction): Promise<void> => {
      for (const messageId of ids) {
        const message = await tx.messages.get(messageId)
        if (message?.conversationId === id) await tx.messages.delete(messageId)
      }
    }
    if (options.forEveryone === true) {
      await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.DELETE, { ids: ids.map(fromHex) }), { alsoWrite: deleteLocal })
    } else {
      await this.lock.run(async () => this.store.transaction(deleteLocal))
    }
    this.emit('messages-deleted', { conversationId: id, ids })
  }

  async clearConversation (id: ConversationId, options: { forEveryone?: boolean } = {}): Promise<void> {
    const conversation = await this.requireConversation(id)
    const ids = await this.allMessageIds(id)
    const clear = async (tx: StoreTransaction): Promise<void> => {
      for (const messageId of ids) await tx.messages.delete(messageId)
    }
    if (options.forEveryone === true) {
      await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.DELETE, { flag: true }), { alsoWrite: clear })
    } else {
      await this.lock.run(async () => this.store.transaction(clear))
    }
    if (ids.length > 0) this.emit('messages-deleted', { conversationId: id, ids })
  }

  private async allMessageIds (id: ConversationId): Promise<string[]> {
    const ids: string[] = []
    let cursor: string | undefined
    do {
      const page = await this.store.messages.latest(id, { limit: 500, cursor })
      ids.push(...page.items.map((m) => m.id))
      cursor = page.cursor
    } while (cursor != null)
    return ids
  }

  async forward (messageId: string, from: ConversationId, to: ConversationId): Promise<MessageView> {
    const source = await this.requireConversation(from)
    const message = await this.store.messages.get(messageId)
    if (message == null || message.conversationId !== from) throw new MessageNotFoundError(messageId)
    const body = decodeBody(message.content)
    if (source.kind === 'secret' || !body.forwardable) throw new NotForwardableError()
    if (body.text == null) throw new NotAllowedError('Only text messages can be forwarded')
    return this.sendText(to, body.text)
  }

  async markRead (id: ConversationId): Promise<void> {
    const conversation = await this.requireConversation(id)
    const unread = (await this.store.messages.latest(id, { limit: 500 })).items.filter((m) => m.direction === 'in' && m.status === 'received')
    const now = this.now()
    await this.lock.run(async () => this.store.transaction(async (tx) => {
      await tx.conversations.markRead(id)
      for (const message of unread) {
        const body = decodeBody(message.content)
        const expiresAt = body.startsOnRead === true && body.ttlMs != null ? now + body.ttlMs : message.expiresAt
        await tx.messages.put({ ...message, status: 'read', expiresAt })
      }
    }))
    this.scheduleExpiry()
    const receipts = await this.store.settings.get(SETTINGS.readReceipts)
    if (unread.length > 0 && receipts !== false) {
      await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.RECEIPT, {
        receipt: Content.ReceiptType.READ, ids: unread.map((m) => fromHex(m.id))
      }), { includeOwn: false }).catch(() => {})
    }
  }

  async setTyping (id: ConversationId, typing: boolean): Promise<void> {
    const conversation = await this.requireConversation(id)
    await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.TYPING, { flag: typing }), { ephemeral: true, includeOwn: false })
  }

  async setDisappearingTimer (id: ConversationId, ttlMs: number | null): Promise<ConversationView> {
    if (ttlMs != null) checkTtl(ttlMs)
    const conversation = await this.requireConversation(id)
    const updated = { ...conversation, disappearingTimerMs: ttlMs }
    await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.TIMER, { ttlMs: BigInt(ttlMs ?? 0) }), {
      alsoWrite: async (tx) => { await tx.conversations.put(updated) }
    })
    const view = await this.view(updated)
    this.emit('conversation-updated', { conversation: view })
    return view
  }

  // ---------------------------------------------------------------- secret chats

  async startSecretChat (address: string, options: { directOnly?: boolean, signal?: AbortSignal } = {}): Promise<ConversationView> {
    decodeAddress(address)
    const record = await this.resolveAccount(address, options.signal)
    const device = record.body.devices[0]
    if (device == null) throw new UnknownSenderDeviceError('The contact has no device')
    if ((await this.store.contacts.get(address)) == null) await this.addContact(address)
    const id = toHex(randomBytes(16))
    const conversation: Conversation = { id, kind: 'secret', members: [address], lastActivity: this.now(), unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: this.now() }
    const info: SecretChatInfo = { state: 'pending', directOnly: options.directOnly === true, peerDevice: toHex(device.deviceKey) }
    await this.store.transaction(async (tx) => {
      await tx.conversations.put(conversation)
      await tx.settings.put(SETTINGS.secret(id), info as unknown as StoredValue)
    })
    await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.SECRET_CONTROL, {
      secretAction: Content.SecretAction.START, directOnly: info.directOnly
    }), { includeOwn: false })
    const view = await this.view(conversation)
    this.emit('conversation-updated', { conversation: view })
    return view
  }

  async acceptSecretChat (id: ConversationId): Promise<ConversationView> {
    const conversation = await this.requireConversation(id)
    const info = await this.secretInfo(id)
    if (conversation.kind !== 'secret' || info?.state !== 'incoming') throw new NotAllowedError('No incoming secret chat to accept')
    await this.store.settings.put(SETTINGS.secret(id), { ...info, state: 'active' } as unknown as StoredValue)
    await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.SECRET_CONTROL, { secretAction: Content.SecretAction.ACCEPT }), { includeOwn: false })
    const view = await this.view(conversation)
    this.emit('conversation-updated', { conversation: view })
    return view
  }

  async closeSecretChat (id: ConversationId): Promise<void> {
    const conversation = await this.requireConversation(id)
    if (conversation.kind !== 'secret') throw new NotAllowedError('Not a secret chat')
    await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.SECRET_CONTROL, { secretAction: Content.SecretAction.CLOSE }), { includeOwn: false }).catch(() => {})
    await this.wipeSecretChat(conversation)
  }

  private async wipeSecretChat (conversation: Conversation): Promise<void> {
    const ids = await this.allMessageIds(conversation.id)
    const info = await this.secretInfo(conversation.id)
    await this.lock.run(async () => this.store.transaction(async (tx) => {
      await tx.conversations.delete(conversation.id)
      await tx.settings.put(SETTINGS.secret(conversation.id), { ...(info ?? { directOnly: false, peerDevice: '' }), state: 'closed' } as unknown as StoredValue)
    }))
    if (ids.length > 0) this.emit('messages-deleted', { conversationId: conversation.id, ids })
    this.emit('conversation-updated', {
      conversation: { id: conversation.id, kind: 'secret', peer: conversation.members[0], title: shortAddress(conversation.members[0]), lastActivity: this.now(), unreadCount: 0, disappearingTimerMs: null, secretState: 'closed', directOnly: info?.directOnly ?? false }
    })
  }

  async reportScreenshot (id: ConversationId): Promise<void> {
    const conversation = await this.requireConversation(id)
    await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.SCREENSHOT), { includeOwn: false })
  }

  // ---------------------------------------------------------------- settings and account

  async setInactivityPeriod (days: 30 | 90 | 180 | 365): Promise<void> {
    if (![30, 90, 180, 365].includes(days)) throw new InvalidArgumentError('Inactivity period must be 30, 90, 180 or 365 days')
    await this.node.signAccountRecord({ inactivityDays: days })
    await this.node.publishAccountRecord({ signal: AbortSignal.timeout(20_000) }).catch(() => {})
  }

  async setReadReceipts (enabled: boolean): Promise<void> {
    await this.store.settings.put(SETTINGS.readReceipts, enabled)
  }

  async deleteAccount (): Promise<void> {
    // a signed tombstone: relays that see it purge this account's mailbox and prekeys
    const tombstone = await this.node.signAccountRecord({ deleted: true, relays: [] })
    await this.node.directory.publish(tombstone, { signal: AbortSignal.timeout(15_000) }).catch(() => {})
    if (this.relayAddrs.length > 0) {
      // authenticating with the tombstone makes each relay purge the mailbox and prekeys at once
      // (a fresh client: existing streams are already authenticated with the old record)
      const owner = { device: { secretKey: this.node.identity.device.signing.privateKey, publicKey: this.node.deviceKey }, accountRecord: tombstone }
      const client = new MailboxClient(this.node.libp2p)
      await Promise.all(this.relayAddrs.map(async (relay) => client.fetch(relay, owner, { signal: AbortSignal.timeout(10_000), limit: 1 }).catch(() => {})))
      await client.stop()
    }
    await this.stopWith({ keepStore: true })
    await this.store.wipe()
    this.emit('wiped', { reason: 'deleted' })
  }

  async status (options: { signal?: AbortSignal } = {}): Promise<StatusView> {
    const dht = this.node.libp2p.services.dht as unknown as { routingTable?: { size: number } }
    return {
      address: this.address,
      peerId: this.node.peerId.toString(),
      multiaddrs: this.node.multiaddrs.map(String),
      peers: this.node.libp2p.getPeers().length,
      relays: this.relays,
      dhtTableSize: dht.routingTable?.size ?? 0,
      outbox: (await this.store.outbox.due(FAR_FUTURE_MS, { limit: 500 })).items.length,
      unreadable: await this.quarantine.count(options),
      version: VERSION
    }
  }

  /** Relay envelopes this device gave up on after bounded retries ("n messages could not be read"), oldest first. */
  async quarantined (options: { signal?: AbortSignal } = {}): Promise<QuarantinedView[]> {
    return this.quarantine.list(options)
  }

  // ---------------------------------------------------------------- receiving

  /**
   * One envelope, from a direct stream or a relay: open the sealed box and the session, check the
   * sender's device against its account record, apply the content — session state and effects in
   * one store transaction. Replays are dropped quietly; other failures throw typed errors.
   * `via` says where it came from: a direct sender learns of a lost session from its ack.
   */
  async receive (envelope: Envelope, via: 'direct' | 'relay' = 'relay'): Promise<void> {
    const effects: Array<() => void> = []
    const followUps: Array<() => Promise<void>> = []
    try {
      // the sealed box names the sender: check its device against its account record (maybe a
      // network lookup) before taking the session lock, so a slow DHT never stalls other messages
      const claimed = await this.sessions.peekSender(envelope.payload)
      const sender = encodeAddress(claimed.accountKey)
      const isListed = (r: VerifiedAccountRecord): boolean => r.body.devices.some((d) => equalBytes(d.deviceKey, claimed.deviceKey) && equalBytes(d.identityDhKey, claimed.identityDhKey))
      // a device we do not know yet may have just been linked: ask the DHT once more
      if (!isListed(await this.resolveAccount(sender)) && !isListed(await this.resolveAccount(sender, undefined, true))) throw new UnknownSenderDeviceError()
      await this.lock.run(async () => {
        const opened = await this.sessions.open(envelope.payload)
        if (!equalBytes(opened.senderDeviceKey, claimed.deviceKey)) throw new UnknownSenderDeviceError()
        const contact = await this.store.contacts.get(sender)
        let content: Content
        try {
          content = Content.decode(opened.plaintext, { limits: { ids: 500 } })
        } catch {
          content = this.baseContent({ id: '', kind: 'normal', members: [sender], lastActivity: 0, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: 0 }, Content.Kind.UNKNOWN)
        }
        // a blocked sender's envelope advances the session and is acked and receipted like any
        // other (it must not learn it is blocked), but nothing of it is stored or shown (PROTOCOL.md §7)
        await this.store.transaction(async (tx) => {
          await opened.commit(tx)
          if (contact?.blocked === true) { await this.receiptForBlockedSender(tx, content, sender, effects); return }
          await this.apply(tx, content, sender, opened.senderDeviceKey, effects, followUps)
        })
        if (opened.consumed != null) await this.node.prekeys.consume(opened.consumed)
        if (contact?.blocked === true) this.node.libp2p.logger.forComponent('parley:messenger:receive').trace('dropped the content of a blocked sender')
      })
    } catch (err) {
      if (err instanceof ReplayError) return
      // a direct sender reads ERR_SESSION_RESET in its ack and starts the new session itself;
      // starting one from this side too would cross the two handshakes and lose the next message
      if (err instanceof SessionResetNeededError && err.sender != null && via === 'relay') void this.requestSessionReset(err.sender).catch(() => {})
      throw err
    }
    for (const effect of effects) effect()
    for (const followUp of followUps) await followUp().catch(() => {})
    this.scheduleExpiry()
  }

  /**
   * A blocked sender's text gets the DELIVERED receipt every text gets, in the conversation that
   * already exists with it (none is created); the text itself is not stored. READ never follows.
   */
  private async receiptForBlockedSender (tx: StoreTransaction, content: Content, sender: string, effects: Array<() => void>): Promise<void> {
    if (content.kind !== Content.Kind.TEXT || content.messageId.length !== 16 || sender === this.address) return
    const secretId = content.secretChatId.length === 16 ? toHex(content.secretChatId) : undefined
    const conversationId = secretId != null
      ? ((await tx.conversations.get(secretId))?.members[0] === sender ? secretId : undefined)
      : (await this.conversationIndex())[sender]
    if (conversationId == null) return
    effects.push(() => { this.queueDeliveredReceipt(conversationId, content.messageId) })
  }

  private readonly pendingReceipts = new Map<string, Uint8Array[]>()

  /**
   * DELIVERED receipts are batched per conversation for 50 ms (one RECEIPT for a burst of
   * messages, e.g. a drained mailbox) — at most 500 ids each.
   */
  private queueDeliveredReceipt (conversationId: string, messageId: Uint8Array): void {
    let ids = this.pendingReceipts.get(conversationId)
    if (ids == null) {
      ids = []
      this.pendingReceipts.set(conversationId, ids)
      const timer = setTimeout(() => { void this.flushDeliveredReceipts(conversationId) }, 50)
      ;(timer as { unref?: () => void }).unref?.()
    }
    ids.push(messageId)
    if (ids.length >= 500) void this.flushDeliveredReceipts(conversationId)
  }

  private async flushDeliveredReceipts (conversationId: string): Promise<void> {
    const ids = this.pendingReceipts.get(conversationId)
    this.pendingReceipts.delete(conversationId)
    if (ids == null || ids.length === 0 || !this.running) return
    try {
      const conversation = await this.requireConversation(conversationId)
      await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.RECEIPT, { receipt: Content.ReceiptType.DELIVERED, ids }), { includeOwn: false })
    } catch { /* conversation gone or stopping */ }
  }

  private readonly resetAsked = new Map<string, number>()

  /**
   * A sender's message could not be decrypted on any session we have: start a fresh session
   * to that device (its prekey message replaces the sender's broken state) carrying a
   * SESSION_RESET, so the sender re-sends what it has not seen delivered. At most once a minute
   * per device.
   */
  private async requestSessionReset (sender: { accountKey: Uint8Array, deviceKey: Uint8Array }): Promise<void> {
    const key = toHex(sender.deviceKey)
    const now = this.now()
    if (now - (this.resetAsked.get(key) ?? 0) < 60_000) return
    this.resetAsked.set(key, now)
    if (this.resetAsked.size > 1000) this.resetAsked.delete(this.resetAsked.keys().next().value as string)
    const address = encodeAddress(sender.accountKey)
    const record = await this.resolveAccount(address)
    const device = record.body.devices.find((d) => equalBytes(d.deviceKey, sender.deviceKey))
    if (device == null || address === this.address) return
    const conversation = await this.lock.run(async () => this.normalConversation(address))
    await this.lock.run(async () => this.sessions.reset(sender.deviceKey))
    await this.dispatch(conversation, this.baseContent(conversation, Content.Kind.SESSION_RESET), { only: [{ address, device, sync: false }] })
  }

  /** Re-sends outgoing texts of a conversation that were not confirmed delivered (same ids: receivers dedupe). */
  private async resendUndelivered (conversation: Conversation): Promise<void> {
    const recent = (await this.store.messages.latest(conversation.id, { limit: 50 })).items
      .filter((m) => m.direction === 'out' && (m.status === 'queued' || m.status === 'sent' || m.status === 'stored' || m.status === 'failed'))
      .reverse()
    for (const message of recent) {
      const body = decodeBody(message.content)
      if (body.kind !== 'text' || body.text == null) continue
      const content = this.baseContent(conversation, Content.Kind.TEXT, {
        messageId: fromHex(message.id), sentAt: BigInt(message.senderTimestamp), clock: BigInt(message.clock), text: body.text,
        ttlMs: BigInt(body.ttlMs ?? 0), ...(body.replyTo != null ? { targetId: fromHex(body.replyTo) } : {})
      })
      await this.dispatch(conversation, content, { includeOwn: false })
    }
  }

  /** Applies one decrypted content inside the receiving transaction; events run after commit. */
  private async apply (tx: StoreTransaction, content: Content, sender: string, senderDevice: Uint8Array, effects: Array<() => void>, followUps: Array<() => Promise<void>>): Promise<void> {
    const fromSelf = sender === this.address
    const secretId = content.secretChatId.length === 16 ? toHex(content.secretChatId) : undefined
    // which conversation: a secret chat by its id, my own synced copy by its peer, else the sender's
    let conversation: Conversation | undefined
    if (secretId != null) {
      conversation = await tx.conversations.get(secretId)
      if (conversation == null && content.kind === Content.Kind.SECRET_CONTROL && content.secretAction === Content.SecretAction.START) {
        conversation = { id: secretId, kind: 'secret', members: [sender], lastActivity: this.now(), unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: this.now() }
        await tx.conversations.put(conversation)
        await tx.settings.put(SETTINGS.secret(secretId), { state: 'incoming', directOnly: content.directOnly, peerDevice: toHex(senderDevice) } as StoredValue)
        const view = await this.viewIn(tx, conversation)
        effects.push(() => { this.emit('conversation-updated', { conversation: view }) })
        return
      }
      if (conversation == null) return
      const info = await this.secretInfo(secretId, tx)
      if (info == null || info.peerDevice !== toHex(senderDevice) || info.state === 'closed') return
    } else if (fromSelf) {
      if (content.syncPeer.length !== 32) return
      conversation = await this.normalConversation(encodeAddress(content.syncPeer), {}, tx)
    } else {
      conversation = await this.normalConversation(sender, {}, tx)
    }
    const convId = conversation.id
    const direction = fromSelf ? 'out' : 'in'
    const sentAt = Number(content.sentAt)
    const clock = Number(content.clock)
    const secret = conversation.kind === 'secret'

    switch (content.kind) {
      case Content.Kind.TEXT:
      case Content.Kind.UNKNOWN:
      case Content.Kind.ATTACHMENT: {
        const id = toHex(content.messageId)
        if (content.messageId.length !== 16 || (await tx.messages.get(id)) != null) return
        const ttl = Number(content.ttlMs)
        const isText = content.kind === Content.Kind.TEXT
        const expiresAt = ttl > 0 && !secret ? sentAt + ttl : null
        if (expiresAt != null && expiresAt <= this.now()) return
        const body: MessageBody = isText
          ? { kind: 'text', text: content.text.slice(0, MAX_TEXT_LENGTH), reactions: {}, forwardable: !secret, ...(content.targetId.length === 16 ? { replyTo: toHex(content.targetId) } : {}), ...(ttl > 0 ? { ttlMs: ttl, startsOnRead: secret } : {}) }
          : { kind: 'unsupported', reactions: {}, forwardable: false }
        const message: Message = { id, conversationId: convId, clock, senderTimestamp: sentAt, direction, sender, content: encodeBody(body), status: fromSelf ? 'sent' : 'received', expiresAt }
        await tx.messages.put(message)
        await tx.conversations.recordActivity(convId, Math.max(sentAt, conversation.lastActivity), { unread: !fromSelf, clock })
        effects.push(() => { this.emit('message', { message: toView(message) }) })
        if (!fromSelf && isText) this.queueDeliveredReceipt(convId, content.messageId)
        return
      }
      case Content.Kind.EDIT: {
        const updated = await this.updateBody(toHex(content.targetId), (b, m) => (m.sender === sender && m.conversationId === convId ? editBody(b, content.text.slice(0, MAX_TEXT_LENGTH)) : undefined), tx)
        if (updated != null) effects.push(() => { this.emit('message-updated', { message: toView(updated) }) })
        return
      }
      case Content.Kind.REACTION: {
        const updated = await this.updateBody(toHex(content.targetId), (b, m) => (m.conversationId === convId ? reactBody(b, content.emoji.slice(0, 16), sender) : undefined), tx)
        if (updated != null) effects.push(() => { this.emit('message-updated', { message: toView(updated) }) })
        return
      }
      case Content.Kind.DELETE: {
        const ids = content.flag ? await this.allMessageIds(convId) : content.ids.map(toHex)
        const deleted: string[] = []
        for (const id of ids) {
          const message = await tx.messages.get(id)
          // either participant, any message — but only of the conversation the sender belongs to
          if (message == null || message.conversationId !== convId) continue
          await tx.messages.delete(id)
          deleted.push(id)
        }
        if (deleted.length > 0) effects.push(() => { this.emit('messages-deleted', { conversationId: convId, ids: deleted }) })
        return
      }
      case Content.Kind.RECEIPT: {
        const state: DeliveryState = content.receipt === Content.ReceiptType.READ ? 'read' : 'delivered'
        for (const raw of content.ids) {
          const id = toHex(raw)
          const message = await tx.messages.get(id)
          if (message == null || message.direction !== 'out' || message.conversationId !== convId) continue
          await tx.receipts.set(id, sender, state, this.now())
          const current = message.status as DeliveryState
          if (DELIVERY_RANK[state] <= DELIVERY_RANK[current]) continue
          const body = decodeBody(message.content)
          const expiresAt = state === 'read' && body.startsOnRead === true && body.ttlMs != null && message.expiresAt == null ? this.now() + body.ttlMs : message.expiresAt
          await tx.messages.put({ ...message, status: state, expiresAt })
          effects.push(() => { this.emit('delivery', { conversationId: convId, messageId: id, state }) })
        }
        return
      }
      case Content.Kind.SESSION_RESET: {
        if (fromSelf) return
        const conv = conversation
        followUps.push(async () => this.resendUndelivered(conv))
        return
      }
      case Content.Kind.TYPING:
        effects.push(() => { this.emit('typing', { conversationId: convId, from: sender, typing: content.flag }) })
        return
      case Content.Kind.SCREENSHOT: {
        const notice = await this.noticeIn(tx, conversation, sender, sentAt, clock, 'took a screenshot', direction)
        effects.push(() => {
          this.emit('message', { message: notice })
          this.emit('screenshot', { conversationId: convId, from: sender })
        })
        return
      }
      case Content.Kind.TIMER: {
        const ttl = Number(content.ttlMs)
        const updated = { ...conversation, disappearingTimerMs: ttl > 0 ? Math.min(Math.max(ttl, MIN_TTL_MS), MAX_TTL_MS) : null }
        await tx.conversations.put(updated)
        const view = await this.viewIn(tx, updated)
        effects.push(() => { this.emit('conversation-updated', { conversation: view }) })
        return
      }
      case Content.Kind.SECRET_CONTROL: {
        if (!secret || secretId == null) return
        const info = await this.secretInfo(secretId, tx)
        if (info == null) return
        if (content.secretAction === Content.SecretAction.ACCEPT && info.state === 'pending') {
          await tx.settings.put(SETTINGS.secret(secretId), { ...info, state: 'active' } as unknown as StoredValue)
          const view = await this.viewIn(tx, conversation)
          effects.push(() => { this.emit('conversation-updated', { conversation: view }) })
        } else if (content.secretAction === Content.SecretAction.CLOSE) {
          const conv = conversation
          followUps.push(async () => this.wipeSecretChat(conv))
        }
      }
    }
  }

  private async viewIn (tx: StoreTransaction, conversation: Conversation): Promise<ConversationView> {
    const view = await this.view(conversation)
    if (conversation.kind === 'secret') {
      const info = await this.secretInfo(conversation.id, tx)
      view.secretState = info?.state ?? 'closed'
      view.directOnly = info?.directOnly ?? false
    }
    return view
  }

  private async noticeIn (tx: StoreTransaction, conversation: Conversation, sender: string, at: number, clock: number, text: string, direction: 'in' | 'out'): Promise<MessageView> {
    const message: Message = {
      id: toHex(randomBytes(16)), conversationId: conversation.id, clock, senderTimestamp: at, direction, sender,
      content: encodeBody({ kind: 'notice', text, reactions: {}, forwardable: false }), status: 'received', expiresAt: null
    }
    await tx.messages.put(message)
    await tx.conversations.recordActivity(conversation.id, at, { clock })
    return toView(message)
  }

  // ---------------------------------------------------------------- delivery states

  private async onOutboxOutcome (outcome: OutboxOutcome): Promise<void> {
    if (outcome.state === 'failed' && outcome.reason === 'ERR_SESSION_RESET') {
      // the device lost our session: forget ours too; the next message starts a new handshake
      const target = decodeTarget(outcome.entry.targets[0] ?? '')
      await this.lock.run(async () => this.sessions.reset(fromHex(target.deviceHex))).catch(() => {})
      const messageId = outcome.entry.messageId
      const message = messageId != null ? await this.store.messages.get(messageId).catch(() => undefined) : undefined
      if (message != null) {
        const conversation = await this.store.conversations.get(message.conversationId).catch(() => undefined)
        if (conversation != null) await this.resendUndelivered(conversation).catch(() => {})
      }
      return
    }
    const messageId = outcome.entry.messageId
    if (messageId == null || outcome.state === 'retry') return
    try {
      const message = await this.store.messages.get(messageId)
      if (message == null) return
      const state: DeliveryState = outcome.state
      const current = message.status as DeliveryState
      if (state === 'failed' ? current !== 'queued' : DELIVERY_RANK[state] <= DELIVERY_RANK[current]) return
      await this.store.messages.setStatus(messageId, state)
      this.emit('delivery', { conversationId: message.conversationId, messageId, state, ...(outcome.state === 'failed' ? { reason: outcome.reason } : {}) })
    } catch { /* store closed while stopping */ }
  }

  // ---------------------------------------------------------------- disappearing messages

  private scheduleExpiry (): void {
    if (!this.running) return
    void (async () => {
      try {
        const next = (await this.store.expiry.before(FAR_FUTURE_MS, { limit: 1 })).items[0]
        clearTimeout(this.expiryTimer)
        if (next == null) return
        const delay = Math.max(0, Math.min(next.expiresAt - this.now(), 60_000))
        this.expiryTimer = setTimeout(() => { void this.sweepExpired() }, delay)
        ;(this.expiryTimer as { unref?: () => void }).unref?.()
      } catch { /* stopping */ }
    })()
  }

  /** Deletes every message whose time has come (also on start: a device offline at expiry deletes then). */
  async sweepExpired (): Promise<number> {
    const now = this.now()
    const due = await this.store.expiry.before(now + 1, { limit: 500 })
    if (due.items.length === 0) { this.scheduleExpiry(); return 0 }
    const purged = await this.lock.run(async () => this.store.expiry.purge(now + 1, { limit: 500 }))
    const byConversation = new Map<string, string[]>()
    for (const item of due.items) byConversation.set(item.conversationId, [...(byConversation.get(item.conversationId) ?? []), item.messageId])
    for (const [conversationId, ids] of byConversation) this.emit('messages-deleted', { conversationId, ids })
    this.scheduleExpiry()
    return purged
  }
}
