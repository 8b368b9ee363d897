import type { AbortOptions } from '@libp2p/interface'
import { toHex } from '../bytes.js'
import { TypedEvents } from '../events.js'
import type { VerifiedAccountRecord } from '../identity/account-record.js'
import type { Envelope } from '../net/envelope-codec.js'
import type { Conversation, Store } from '../store/index.js'
import { VERSION } from '../version.js'
import { Content, SyncUpdate } from '../wire/content.js'
import { AccountSettings } from './account/account-settings.js'
import { Reachability } from './account/reachability.js'
import { RelayKeeper } from './account/relay-keeper.js'
import { chooseRelays, recordRelays } from './account/relay-choice.js'
import { relayEntries } from './account/relay-entries.js'
import { isFleetRef } from '../net/fleet-relays.js'
import { SelfDestruct } from './account/self-destruct.js'
import type { MessengerComponents } from './components.js'
import { FAR_FUTURE_MS, DEFAULT_PUBLISH_TIMEOUT_MS, REFRESH_OWN_RECORD_TIMEOUT_MS } from './constants.js'
import { ContactBook } from './contacts/contact-book.js'
import { MessengerContext } from './context.js'
import { baseContent } from './conversations/content.js'
import { ConversationActions } from './conversations/conversation-actions.js'
import { Conversations } from './conversations/conversations.js'
import { ExpirySweeper } from './conversations/expiry.js'
import { Messages } from './conversations/messages.js'
import { searchMessages, type SearchOptions } from './conversations/search.js'
import { SecretChats } from './conversations/secret-chats.js'
import { DeliveryStates } from './delivery/delivery-states.js'
import { Dispatcher, type DispatchOptions } from './delivery/dispatcher.js'
import { MailboxSync } from './delivery/mailbox-sync.js'
import { OutboxWorker, type OutboxWorkerInit } from './delivery/outbox-worker.js'
import { EnvelopeQuarantine, type QuarantineRetry, type ReceiveRetryPolicy } from './delivery/quarantine.js'
import { DeliveredReceipts } from './delivery/receipts.js'
import { AccountResolver } from './directory/account-resolver.js'
import { Channels } from './channels/channels.js'
import { historyFrames } from './devices/history-archive.js'
import { LinkConfirmations } from './devices/link-confirmations.js'
import { DeviceUnlinkedError, OwnDevices } from './devices/own-devices.js'
import { Inbox } from './receive/inbox.js'
import { SessionResets } from './sessions/session-reset.js'
import { Attachments, type AttachmentsOptions, type FileSource } from './attachments/attachments.js'
import { GroupSender } from './groups/group-sender.js'
import { Groups } from './groups/groups.js'
import type {
  ChannelPostView, ChannelView, ContactView, ConversationId, ConversationView, DeviceView, GroupView, LinkRequestView, MessageView, MessengerApi, MessengerEvents, Page, QuarantinedView, ReachabilityView, SearchResult, SendFileOptions, SendOptions, StatusView
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
  /** Attachments: automatic download size, largest file accepted. */
  attachments?: AttachmentsOptions
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
  private readonly groups: Groups
  private readonly ownDevices: OwnDevices
  private readonly linkRequests: LinkConfirmations
  private mailbox: MailboxSync | undefined
  private readonly files: Attachments
  private readonly reachable: Reachability
  private readonly relayKeeper: RelayKeeper
  private readonly channelsOf: Channels
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
      canDial: (address) => components.network.canDial(address),
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
      followUp: async (effect) => effect.kind === 'group-update' ? this.groups.applyPending(effect.conversationId) : effect.kind === 'resend-undelivered' ? resets.resendUndelivered(effect.conversation) : this.secretChats.wipe(effect.conversation),
      requestSessionReset: async (sender) => resets.request(sender),
      ownDevices: async (effect) => { if (effect.kind === 'adopt-own-record') await this.ownDevices.adoptRecord(effect.record); else void this.wipeUnlinked() },
      afterReceive: () => { this.expiry.schedule() }
    })
    this.selfDestruct = new SelfDestruct(ctx)
    this.account = new AccountSettings(ctx)
    this.reachable = new Reachability(ctx, () => this.relays)
    this.relayKeeper = new RelayKeeper(ctx, {
      onReconnect: (relay) => { this.mailbox?.reconnected(relay) },
      onDialError: (relay, err, failures) => { this.reachable.relayFailed(relay, err, failures) }
    })
    this.channelsOf = new Channels(ctx, () => this.relayAddrs)
    components.envelopes.setHandler(async (envelope) => { await this.inbox.receive(envelope, 'direct') })
    this.files = new Attachments(ctx, this.chats, this.secretChats, this.dispatcher, this.resolver, components.attachments, options.attachments, () => this.relayAddrs)
    // blobs follow their messages: auto-download on arrival, removal on delete, expiry and wipe
    this.addEventListener('message', (evt) => { this.files.autoDownload(evt.detail.message) })
    this.addEventListener('messages-deleted', (evt) => {
      void this.files.forget(evt.detail.ids).catch((err: unknown) => { ctx.log('attachments').error('could not remove attachment files - %e', err) })
    })
    this.addEventListener('wiped', () => {
      void this.files.wipe().catch((err: unknown) => { ctx.log('attachments').error('could not wipe attachment files - %e', err) })
    })
    const groupSender = new GroupSender(ctx, this.resolver, this.dispatcher)
    this.dispatcher.setGroupSender(async (conversation, content, opts) => { await groupSender.send(conversation, content, opts) })
    this.groups = new Groups(ctx, this.resolver, this.dispatcher, groupSender)
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
    this.reachable.start()
    this.relayAddrs = await chooseRelays(this.ctx, this.options, { ...options, onDialError: (relay, err) => { this.reachable.relayFailed(relay, err) } })
    const online = network.peerCount() > 0
    // another device of this account may have signed a newer record (added a device…): keep it
    if (online) await accountRecords.refresh({ signal: AbortSignal.timeout(REFRESH_OWN_RECORD_TIMEOUT_MS) })
    // another device unlinked this one (while it was off): it wipes itself
    if (this.ownDevices.isUnlinked()) {
      await this.wipeUnlinked()
      throw new DeviceUnlinkedError()
    }
    // each relay with the addresses it announces (TCP for Node peers, WebSockets for browsers);
    // fleets by their operator key
    const { fleets } = recordRelays(this.relayAddrs)
    const relays = await relayEntries(this.ctx, this.relayAddrs.filter((r) => !isFleetRef(r)), options)
    await accountRecords.sign({ relays: relays.entries, fleets })
    this.reachable.setBrowsers(relays.browsers)
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
    // a configured relay whose connection drops is re-dialled, and its mailbox renewed once it is back
    this.relayKeeper.start(this.relayAddrs)
    await this.expiry.sweep()
    await this.files.start()
    await this.channelsOf.start(options)
  }

  /** Stops the features (timers, mailboxes, outbox, depositor); the node stays up for its owner to stop. */
  async stop (): Promise<void> {
    await this.stopFeatures()
  }

  private async stopFeatures (): Promise<void> {
    if (!this.ctx.running) return
    this.ctx.stopped()
    this.reachable.stop()
    this.relayKeeper.stop()
    this.channelsOf.stop()
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
    await this.files.stop()
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
      version: VERSION,
      reachability: this.reachability()
    }
  }

  /** How reachable this device is now (relays, reservation, peers, DHT), with reasons in words; `reachability` events follow changes. */
  reachability (): ReachabilityView { return this.reachable.view() }

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
  async forward (messageId: string, from: ConversationId, to: ConversationId, options: AbortOptions = {}): Promise<MessageView> { return await this.files.forward(messageId, from, to, options) ?? await this.messagesOf.forward(messageId, from, to, options) }
  async markRead (id: ConversationId, options: AbortOptions = {}): Promise<void> { await this.actions.markRead(id, options) }
  async setTyping (id: ConversationId, typing: boolean, options: AbortOptions = {}): Promise<void> { await this.actions.setTyping(id, typing, options) }
  async setDisappearingTimer (id: ConversationId, ttlMs: number | null, options: AbortOptions = {}): Promise<ConversationView> { return this.actions.setDisappearingTimer(id, ttlMs, options) }
  async reportScreenshot (id: ConversationId, options: AbortOptions = {}): Promise<void> { await this.actions.reportScreenshot(id, options) }
  /** Searches the local history: decrypted pages matched in memory (no index is kept), newest first, bounded. */
  async search (query: string, options: SearchOptions = {}): Promise<SearchResult> { return searchMessages(this.store, async (c) => (await this.chats.get(c.id, options)).title, query, options) }

  // ---------------------------------------------------------------- attachments

  /** Sends a file, picture or voice note: `source` is a path (Node), a `Blob`/`File` or bytes as they come. */
  async sendFile (id: ConversationId, source: FileSource, options: SendFileOptions = {}): Promise<MessageView> { return this.files.sendFile(id, source, options) }
  /** Downloads an incoming attachment, resuming after the pieces already verified. */
  async downloadAttachment (id: ConversationId, messageId: string, options: AbortOptions & { onProgress?: (bytes: number, total: number) => void } = {}): Promise<MessageView> { return this.files.download(id, messageId, options) }
  /** The plaintext of a complete attachment, decrypted as it is read. */
  readAttachment (id: ConversationId, messageId: string, options: AbortOptions = {}): AsyncGenerator<Uint8Array> { return this.files.read(id, messageId, options) }

  // ---------------------------------------------------------------- secret chats

  async startSecretChat (address: string, options: AbortOptions & { directOnly?: boolean } = {}): Promise<ConversationView> { return this.secretChats.start(address, options) }
  async acceptSecretChat (id: ConversationId, options: AbortOptions = {}): Promise<ConversationView> { return this.secretChats.accept(id, options) }
  async closeSecretChat (id: ConversationId, options: AbortOptions = {}): Promise<void> { await this.secretChats.close(id, options) }

  // ---------------------------------------------------------------- receiving and expiry

  /** One envelope from a direct stream or a relay (see `Inbox.receive`). */
  async receive (envelope: Envelope, via: 'direct' | 'relay' = 'relay'): Promise<void> { await this.inbox.receive(envelope, via) }
  /** Deletes every message whose time has come. */
  async sweepExpired (): Promise<number> { return this.expiry.sweep() }

  // ---------------------------------------------------------------- groups (issue #20; PROTOCOL.md §12)

  /** Creates a group (this account its admin) with `members` (addresses); its conversation id is the group's. */
  async createGroup (name: string, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.groups.create(name, members, options) }
  async addMembers (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.groups.addMembers(id, members, options) }
  async removeMembers (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.groups.removeMembers(id, members, options) }
  async leaveGroup (id: ConversationId, options: AbortOptions = {}): Promise<GroupView> { return this.groups.leave(id, options) }
  async setGroupName (id: ConversationId, name: string, options: AbortOptions = {}): Promise<GroupView> { return this.groups.rename(id, name, options) }
  async promote (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.groups.promote(id, members, options) }
  async demote (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.groups.demote(id, members, options) }
  /** The disappearing timer of a group's new messages (an admin's change, for every member). */
  async setGroupTimer (id: ConversationId, ttlMs: number | null, options: AbortOptions = {}): Promise<GroupView> { return this.groups.setTimer(id, ttlMs, options) }
  async group (id: ConversationId, options: AbortOptions = {}): Promise<GroupView> { return this.groups.get(id, options) }
  async listGroups (options: AbortOptions = {}): Promise<GroupView[]> { return this.groups.list(options) }
  /** Receipts of one of my messages in a group, counted over members: `{ delivered, read }` ("read by 12"). */
  async groupReceipts (id: ConversationId, messageId: string, options: AbortOptions = {}): Promise<{ delivered: number, read: number }> { return this.groups.receipts(id, messageId, options) }

  // ---------------------------------------------------------------- broadcast channels (PROTOCOL.md §13)

  /** A new channel owned by this account; its view carries the subscription link. */
  async createChannel (name: string, init: { private?: boolean } = {}, options: AbortOptions = {}): Promise<ChannelView> { return this.channelsOf.create(name, init, options) }
  /** Posts to a channel this account owns or administers (by id, name or link). */
  async post (channel: string, text: string, options: AbortOptions = {}): Promise<ChannelPostView> { return this.channelsOf.post(channel, text, options) }
  async editChannelPost (channel: string, seq: number, text: string, options: AbortOptions = {}): Promise<ChannelPostView> { return this.channelsOf.edit(channel, seq, text, options) }
  async deleteChannelPost (channel: string, seq: number, options: AbortOptions = {}): Promise<void> { await this.channelsOf.deletePost(channel, seq, options) }
  /** Follows a channel by its link and pulls its recent history (the newest 100 posts) from relays. */
  async subscribe (link: string, options: AbortOptions = {}): Promise<ChannelView> { return this.channelsOf.subscribe(link, options) }
  /** Leaves a channel (its posts are forgotten here). */
  async unsubscribe (channel: string, options: AbortOptions = {}): Promise<void> { await this.channelsOf.unsubscribe(channel, options) }
  async muteChannel (channel: string, muted: boolean, options: AbortOptions = {}): Promise<ChannelView> { return this.channelsOf.mute(channel, muted, options) }
  async channels (options: AbortOptions = {}): Promise<ChannelView[]> { return this.channelsOf.list(options) }
  /** Posts after `after`, oldest first. */
  async channelPosts (channel: string, query: { after?: number, limit?: number } = {}, options: AbortOptions = {}): Promise<ChannelPostView[]> { return this.channelsOf.posts(channel, query, options) }
  /** Pulls what this device misses of a channel from relays now (also done at start and on gaps). */
  async catchUpChannel (channel: string, options: AbortOptions = {}): Promise<number> { return this.channelsOf.catchUp(channel, options) }
  /** This device's would-be admin key for a channel it follows: the owner passes it to `setChannelAdmins`. */
  async channelAdminKey (channel: string, options: AbortOptions = {}): Promise<string> { return this.channelsOf.adminKey(channel, options) }
  /** Owner: replaces the channel's admins (hex keys) with a signed list, announced in the channel. */
  async setChannelAdmins (channel: string, adminKeys: string[], options: AbortOptions = {}): Promise<ChannelView> { return this.channelsOf.setAdmins(channel, adminKeys, options) }

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
