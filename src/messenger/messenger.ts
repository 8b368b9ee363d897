import type { AbortOptions } from '@libp2p/interface'
import { toHex } from '../bytes.js'
import { TypedEvents } from '../events.js'
import type { VerifiedAccountRecord } from '../identity/account-record.js'
import type { Envelope } from '../net/envelope-codec.js'
import type { Conversation, Store } from '../store/index.js'
import { VERSION } from '../version.js'
import { Content, SyncUpdate } from '../wire/content.js'
import { AccountSettings } from './account/account-settings.js'
import { chooseRelays } from './account/relay-choice.js'
import { SelfDestruct } from './account/self-destruct.js'
import type { MessengerComponents } from './components.js'
import { FAR_FUTURE_MS, DEFAULT_PUBLISH_TIMEOUT_MS, REFRESH_OWN_RECORD_TIMEOUT_MS } from './constants.js'
import { ContactBook } from './contacts/contact-book.js'
import { relayEntryOf } from './contacts/invite.js'
import { MessengerContext } from './context.js'
import { baseContent } from './conversations/content.js'
import { ConversationActions } from './conversations/conversation-actions.js'
import { Conversations } from './conversations/conversations.js'
import { ExpirySweeper } from './conversations/expiry.js'
import { Messages } from './conversations/messages.js'
import { SecretChats } from './conversations/secret-chats.js'
import { DeliveryStates } from './delivery/delivery-states.js'
import { Dispatcher, type DispatchOptions } from './delivery/dispatcher.js'
import { MailboxSync } from './delivery/mailbox-sync.js'
import { OutboxWorker, type OutboxWorkerInit } from './delivery/outbox-worker.js'
import { EnvelopeQuarantine, type QuarantineRetry, type ReceiveRetryPolicy } from './delivery/quarantine.js'
import { DeliveredReceipts } from './delivery/receipts.js'
import { AccountResolver } from './directory/account-resolver.js'
import { historyFrames } from './devices/history-archive.js'
import { LinkConfirmations } from './devices/link-confirmations.js'
import { DeviceUnlinkedError, OwnDevices } from './devices/own-devices.js'
import { Inbox } from './receive/inbox.js'
import { SessionResets } from './sessions/session-reset.js'
import type {
  ContactView, ConversationId, ConversationView, DeviceView, LinkRequestView, MessageView, MessengerApi, MessengerEvents, Page, QuarantinedView, SendOptions, StatusView
} from './types.js'

export { parseInvite, shortAddress } from './contacts/invite.js'
export { MAX_TTL_MS, MIN_TTL_MS, MAX_TEXT_LENGTH, SECRET_RELAY_CAP_MS, DEFAULT_RELAY_COUNT } from './constants.js'
export { AccountDeletedError, AccountExpiredError } from './errors.js'

/** How the messenger behaves (relays, tuning); the same whatever its components are built from. */
export interface MessengerOptions {
  /** This account's relays (multiaddrs with /p2p/). When empty, up to `relayCount` are found in the DHT. */
  relays?: string[]
  relayCount?: number
  /** Outbox tuning (tests shorten timeouts). */
  outbox?: Partial<Pick<OutboxWorkerInit, 'directTimeoutMs' | 'maxAgeMs' | 'pollMs' | 'concurrency'>>
  /** Periodic mailbox drain. */
  drainIntervalMs?: number
  /** Bounded retries of relay envelopes that fail to be received, before quarantine (tests shorten them). */
  receiveRetry?: ReceiveRetryPolicy
}

/**
 * Parley's chat domain: contacts, normal and secret conversations, disappearing messages,
 * deletes for both, receipts, multi-device fan-out, the persistent outbox and relay mailboxes.
 * A façade: it builds the features from its components and delegates to them.
 */
export class Messenger extends TypedEvents<MessengerEvents> implements MessengerApi {
  readonly store: Store
  private readonly ctx: MessengerContext
  private readonly resolver: AccountResolver
  private readonly contacts: ContactBook
  private readonly chats: Conversations
  private readonly secretChats: SecretChats
  private readonly messagesOf: Messages
  private readonly actions: ConversationActions
  private readonly dispatcher: Dispatcher
  private readonly outbox: OutboxWorker
  private readonly quarantine: EnvelopeQuarantine
  private readonly expiry: ExpirySweeper
  private readonly inbox: Inbox
  private readonly selfDestruct: SelfDestruct
  private readonly account: AccountSettings
  private readonly ownDevices: OwnDevices
  private readonly linkRequests: LinkConfirmations
  private mailbox: MailboxSync | undefined
  private relayAddrs: string[] = []
  private offPeerConnect: (() => void) | undefined

  /**
   * `components.events` must emit on this messenger (`src/node/messenger.ts` builds them so).
   * The messenger starts the network it is given but never stops it: whoever opened the node
   * stops it, after `stop()` (only deleting the account takes the device offline, to wipe it).
   */
  constructor (private readonly components: MessengerComponents, private readonly options: MessengerOptions = {}) {
    super()
    this.store = components.store
    const ctx = this.ctx = new MessengerContext(components)
    this.resolver = new AccountResolver(ctx)
    this.quarantine = new EnvelopeQuarantine({ store: components.store, log: components.logger.forComponent('parley:quarantine'), now: () => ctx.now(), policy: options.receiveRetry })
    this.dispatcher = new Dispatcher(ctx, this.resolver, () => { this.outbox.kick() })
    this.outbox = new OutboxWorker({
      store: components.store,
      envelopes: components.envelopes,
      depositor: components.depositor,
      log: components.logger.forComponent('parley:messenger:outbox'),
      resolve: async (address, deviceHex, signal) => this.resolver.resolveDevice(address, deviceHex, { signal }),
      expand: async (entry, conversationId, signal) => {
        await this.dispatcher.dispatch(await this.chats.require(conversationId), Content.decode(entry.envelope), { signal })
      },
      ...options.outbox
    })
    this.ownDevices = new OwnDevices(ctx, this.dispatcher)
    this.linkRequests = new LinkConfirmations(ctx)
    this.chats = new Conversations(ctx)
    this.contacts = new ContactBook(ctx, this.resolver)
    this.expiry = new ExpirySweeper(ctx)
    this.secretChats = new SecretChats(ctx, this.chats, this.resolver, this.dispatcher, async (address, opts) => this.contacts.add(address, {}, opts))
    this.messagesOf = new Messages(ctx, this.chats, this.secretChats, this.dispatcher, this.expiry, () => { this.outbox.kick() })
    this.actions = new ConversationActions(ctx, this.chats, this.dispatcher, this.expiry)
    const resets = new SessionResets(ctx, this.chats, this.resolver, this.dispatcher)
    const states = new DeliveryStates(ctx, resets)
    this.outbox.addEventListener('outcome', (evt) => { void states.onOutcome(evt.detail) })
    const receipts = new DeliveredReceipts(ctx, this.chats, this.dispatcher)
    this.inbox = new Inbox(ctx, this.resolver, {
      deliveredReceipt: (conversationId, messageId) => { receipts.queue(conversationId, messageId) },
      followUp: async (effect) => effect.kind === 'resend-undelivered' ? resets.resendUndelivered(effect.conversation) : this.secretChats.wipe(effect.conversation),
      requestSessionReset: async (sender) => resets.request(sender),
      ownDevices: async (effect) => { if (effect.kind === 'adopt-own-record') await this.ownDevices.adoptRecord(effect.record); else void this.wipeUnlinked() },
      afterReceive: () => { this.expiry.schedule() }
    })
    this.selfDestruct = new SelfDestruct(ctx)
    this.account = new AccountSettings(ctx)
    components.envelopes.setHandler(async (envelope) => { await this.inbox.receive(envelope, 'direct') })
  }

  get address (): string { return this.ctx.address }

  /** Relays this account uses (multiaddrs). */
  get relays (): string[] { return [...this.relayAddrs] }

  // ---------------------------------------------------------------- lifecycle

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.ctx.running) return
    const { network, accountRecords, mailboxes, prekeys, logger } = this.components
    await this.selfDestruct.check()
    await network.start(options)
    this.ctx.started()
    this.components.deviceLinks.setConfirmHandler(this.linkRequests.ask)
    // a confirmed new device gets the normal chats' history it asks for (never secret chats)
    this.components.deviceLinks.setHistorySource((since, opts) => historyFrames(this.store, since, opts))
    // the account's other devices adopt the record with the new device, so they copy to it too
    this.components.deviceLinks.setLinkedHandler((_record, deviceKey) => {
      this.emit('devices-changed', { reason: 'linked', device: toHex(deviceKey) })
      void this.ownDevices.announceRecord(deviceKey).catch((err: unknown) => { this.ctx.log('devices').error('could not tell the other devices of the new one - %e', err) })
    })
    await this.selfDestruct.start()
    this.relayAddrs = await chooseRelays(this.ctx, this.options, options)
    const online = network.peerCount() > 0
    // another device of this account may have signed a newer record (added a device…): keep it
    if (online) await accountRecords.refresh({ signal: AbortSignal.timeout(REFRESH_OWN_RECORD_TIMEOUT_MS) })
    // another device unlinked this one (while it was off): it wipes itself
    if (this.ownDevices.isUnlinked()) {
      await this.wipeUnlinked()
      throw new DeviceUnlinkedError()
    }
    await accountRecords.sign({ relays: this.relayAddrs.map(relayEntryOf) })
    if (online) {
      // when start() resolves, contacts can find this device (unless the DHT is unreachable:
      // the node keeps retrying in the background, as it does when nobody is connected yet)
      await accountRecords.publish({ signal: options.signal ?? AbortSignal.timeout(DEFAULT_PUBLISH_TIMEOUT_MS) }).catch((err: unknown) => {
        this.ctx.log('account').error('could not publish the account record at start (retried in the background) - %e', err)
      })
    }
    this.outbox.start()
    // a peer came online: pending deliveries are worth trying now rather than at their backoff time
    this.offPeerConnect = network.onPeerConnect(() => { void this.outbox.retrySoon() })
    if (this.relayAddrs.length > 0) {
      this.mailbox = new MailboxSync({
        mailboxes, prekeys, log: logger.forComponent('parley:mailbox-sync'), relays: this.relayAddrs, drainIntervalMs: this.options.drainIntervalMs, quarantine: this.quarantine,
        onEnvelope: async (envelope, context) => { await this.inbox.receive(envelope, 'relay', context) }
      })
      await this.mailbox.start()
    }
    await this.expiry.sweep()
  }

  /** Stops the features (timers, mailboxes, outbox, depositor); the node stays up for its owner to stop. */
  async stop (): Promise<void> {
    await this.stopFeatures()
  }

  private async stopFeatures (): Promise<void> {
    if (!this.ctx.running) return
    this.ctx.stopped()
    this.expiry.stop()
    this.selfDestruct.stop()
    this.offPeerConnect?.()
    this.components.deviceLinks.setConfirmHandler(undefined)
    this.components.deviceLinks.setHistorySource(undefined)
    this.components.deviceLinks.setLinkedHandler(undefined)
    this.linkRequests.stop()
    await this.components.deviceLinks.stop()
    await this.mailbox?.stop()
    await this.outbox.stop()
    await this.components.depositor.stop()
    await this.ctx.lock.run(async () => {})
  }

  // ---------------------------------------------------------------- devices and account

  /**
   * A one-time code (valid 10 minutes) with which a new device joins this account:
   * `parley init --link <code>` or `openHomeMessenger({ …, linkCode })` on the new device.
   */
  async createDeviceLink (options: { ttlMs?: number } = {}): Promise<string> { return this.components.deviceLinks.createCode(options.ttlMs) }
  async devices (options: AbortOptions = {}): Promise<DeviceView[]> { return this.ownDevices.list(options) }
  async setInactivityPeriod (days: 30 | 90 | 180 | 365, options: AbortOptions = {}): Promise<void> { await this.account.setInactivityPeriod(days, options) }
  async setReadReceipts (enabled: boolean, options: AbortOptions = {}): Promise<void> {
    await this.account.setReadReceipts(enabled, options)
    await this.ownDevices.send(SyncUpdate.Action.READ_RECEIPTS, { flag: enabled }, options)
  }

  async deleteAccount (options: AbortOptions = {}): Promise<void> {
    await this.account.publishTombstone(this.relayAddrs, options)
    const wasRunning = this.ctx.running
    await this.stopFeatures()
    // a deleted account goes offline before its store is wiped (its owner does both)
    if (wasRunning) await this.components.device.wipe()
    else await this.store.wipe()
    this.emit('wiped', { reason: 'deleted' })
  }

  async status (options: AbortOptions = {}): Promise<StatusView> {
    const { network } = this.components
    return {
      address: this.address,
      peerId: network.peerId,
      multiaddrs: network.multiaddrs(),
      peers: network.peerCount(),
      relays: this.relays,
      dhtTableSize: network.dhtTableSize(),
      outbox: (await this.store.outbox.due(FAR_FUTURE_MS, { ...options, limit: 500 })).items.length,
      unreadable: await this.quarantine.count(options),
      version: VERSION
    }
  }

  /** Relay envelopes this device gave up on after bounded retries ("n messages could not be read"), oldest first. */
  async quarantined (options: AbortOptions = {}): Promise<QuarantinedView[]> { return this.quarantine.list(options) }
  /** Receives the quarantined envelopes whose sealed bytes are kept again; those received leave the quarantine. */
  async retryQuarantined (options: AbortOptions = {}): Promise<QuarantineRetry> { return this.quarantine.retry(async (envelope) => { await this.inbox.receive(envelope) }, options) }

  // ---------------------------------------------------------------- contacts

  inviteLink (): string { return this.contacts.inviteLink(this.relayAddrs) }
  async addContact (addressOrLink: string, init: { name?: string } = {}, options: AbortOptions = {}): Promise<ContactView> { return this.syncContact(await this.contacts.add(addressOrLink, init, options), SyncUpdate.Action.CONTACT_ADD, options) }
  async listContacts (options: AbortOptions = {}): Promise<ContactView[]> { return this.contacts.list(options) }
  async renameContact (address: string, name: string, options: AbortOptions = {}): Promise<ContactView> { return this.syncContact(await this.contacts.rename(address, name, options), SyncUpdate.Action.CONTACT_RENAME, options) }
  async removeContact (address: string, options: AbortOptions = {}): Promise<void> { await this.contacts.remove(address, options); await this.ownDevices.contactChanged(SyncUpdate.Action.CONTACT_REMOVE, address, {}, options) }
  async blockContact (address: string, blocked: boolean, options: AbortOptions = {}): Promise<ContactView> { return this.syncContact(await this.contacts.block(address, blocked, options), SyncUpdate.Action.CONTACT_BLOCK, options) }
  async safetyNumber (address: string): Promise<{ digits: string, qr: Uint8Array }> { return this.contacts.safetyNumber(address) }
  async markVerified (address: string, options: AbortOptions = {}): Promise<ContactView> { return this.syncContact(await this.contacts.markVerified(address, options), SyncUpdate.Action.CONTACT_VERIFY, options) }

  // ---------------------------------------------------------------- conversations and messages

  async conversations (options: AbortOptions & { limit?: number, cursor?: string } = {}): Promise<Page<ConversationView>> { return this.chats.list(options) }
  async getConversation (id: ConversationId, options: AbortOptions = {}): Promise<ConversationView> { return this.chats.get(id, options) }
  /** The normal conversation with `address` (created, and the contact added, on first use). */
  async conversationWith (address: string, options: AbortOptions = {}): Promise<ConversationView> { return this.chats.with(address, options) }
  async messages (id: ConversationId, options: AbortOptions & { limit?: number, cursor?: string } = {}): Promise<Page<MessageView>> { return this.chats.messages(id, options) }
  async sendText (id: ConversationId, text: string, options: SendOptions = {}): Promise<MessageView> { return this.messagesOf.sendText(id, text, options) }
  async edit (id: ConversationId, messageId: string, text: string, options: AbortOptions = {}): Promise<MessageView> { return this.messagesOf.edit(id, messageId, text, options) }
  async react (id: ConversationId, messageId: string, emoji: string, options: AbortOptions = {}): Promise<MessageView> { return this.messagesOf.react(id, messageId, emoji, options) }
  async deleteMessages (id: ConversationId, ids: string[], options: AbortOptions & { forEveryone?: boolean } = {}): Promise<void> { await this.messagesOf.deleteMessages(id, ids, options) }
  async clearConversation (id: ConversationId, options: AbortOptions & { forEveryone?: boolean } = {}): Promise<void> { await this.messagesOf.clearConversation(id, options) }
  async forward (messageId: string, from: ConversationId, to: ConversationId, options: AbortOptions = {}): Promise<MessageView> { return this.messagesOf.forward(messageId, from, to, options) }
  async markRead (id: ConversationId, options: AbortOptions = {}): Promise<void> { await this.actions.markRead(id, options) }
  async setTyping (id: ConversationId, typing: boolean, options: AbortOptions = {}): Promise<void> { await this.actions.setTyping(id, typing, options) }
  async setDisappearingTimer (id: ConversationId, ttlMs: number | null, options: AbortOptions = {}): Promise<ConversationView> { return this.actions.setDisappearingTimer(id, ttlMs, options) }
  async reportScreenshot (id: ConversationId, options: AbortOptions = {}): Promise<void> { await this.actions.reportScreenshot(id, options) }

  // ---------------------------------------------------------------- secret chats

  async startSecretChat (address: string, options: AbortOptions & { directOnly?: boolean } = {}): Promise<ConversationView> { return this.secretChats.start(address, options) }
  async acceptSecretChat (id: ConversationId, options: AbortOptions = {}): Promise<ConversationView> { return this.secretChats.accept(id, options) }
  async closeSecretChat (id: ConversationId, options: AbortOptions = {}): Promise<void> { await this.secretChats.close(id, options) }

  // ---------------------------------------------------------------- receiving and expiry

  /** One envelope from a direct stream or a relay (see `Inbox.receive`). */
  async receive (envelope: Envelope, via: 'direct' | 'relay' = 'relay'): Promise<void> { await this.inbox.receive(envelope, via) }
  /** Deletes every message whose time has come. */
  async sweepExpired (): Promise<number> { return this.expiry.sweep() }

  // ---------------------------------------------------------------- own devices (issue #19)

  /** Link requests waiting for this device's user to compare the string and confirm. */
  deviceLinkRequests (): LinkRequestView[] { return this.linkRequests.list() }
  /** Confirms or declines a link request; with `sas` (what the new device shows), it must match. */
  async confirmDeviceLink (id: string, accept: boolean, options: { sas?: string } = {}): Promise<void> { this.linkRequests.answer(id, accept, options.sas) }
  /** Names a device of this account, on all of its devices. */
  async renameDevice (id: string, name: string, options: AbortOptions = {}): Promise<DeviceView> { return this.ownDevices.rename(id, name, options) }
  /** Removes a device from this account: it wipes itself, contacts stop sending to it. */
  async unlinkDevice (id: string, options: AbortOptions = {}): Promise<void> { await this.ownDevices.unlink(id, options) }

  /** A contact change made here, told to the other devices of this account. */
  private async syncContact (contact: ContactView, action: SyncUpdate.Action, options: AbortOptions): Promise<ContactView> {
    await this.ownDevices.contactChanged(action, contact.address, { name: contact.name, flag: contact.blocked }, options)
    return contact
  }

  /** Another device unlinked this one: offline, wiped, and the owner told. */
  private async wipeUnlinked (): Promise<void> {
    const wasRunning = this.ctx.running
    await this.stopFeatures()
    if (wasRunning) await this.components.device.wipe()
    else await this.store.wipe()
    this.emit('wiped', { reason: 'unlinked' })
  }

  // internals reached by tests (forged contents, key changes); not part of the API
  private async requireConversation (id: string): Promise<Conversation> { return this.chats.require(id) }
  private baseContent (conversation: Conversation, kind: Content.Kind, extra: Partial<Content> = {}): Content { return baseContent(conversation, kind, this.ctx.now(), extra) }
  private async dispatch (conversation: Conversation, content: Content, options: DispatchOptions = {}): Promise<void> { await this.dispatcher.dispatch(conversation, content, options) }
  private async resolveAccount (address: string, options: AbortOptions & { fresh?: boolean } = {}): Promise<VerifiedAccountRecord> { return this.resolver.resolve(address, options) }
}
