import type { AbortOptions } from '@libp2p/interface'
import { TypedEvents } from '../events.js'
import type { VerifiedAccountRecord } from '../identity/account-record.js'
import type { Envelope } from '../net/envelope-codec.js'
import type { Conversation, Store } from '../store/index.js'
import { VERSION } from '../version.js'
import { Content, SyncUpdate } from '../wire/content.js'
import type { FileSource } from './attachments/attachments.js'
import type { CollectResult } from './channels/channel-feedback.js'
import type { MessengerComponents } from './components.js'
import { FAR_FUTURE_MS } from './constants.js'
import { baseContent } from './conversations/content.js'
import { searchMessages, type SearchOptions } from './conversations/search.js'
import type { DispatchOptions } from './delivery/dispatcher.js'
import type { QuarantineRetry } from './delivery/quarantine.js'
import { DeviceUnlinkedError } from './devices/own-devices.js'
import { buildFeatures, type Features } from './features.js'
import { MessengerLifecycle } from './lifecycle.js'
import type { MessengerOptions } from './messenger-options.js'
import type { GroupJoinRequestView, GroupJoinResult, GroupLinkView } from './feature-views.js'
import type {
  ChannelPostView, ChannelView, ContactView, ConversationId, ConversationView, DeviceView, GroupView, LinkRequestView, MessageView, MessengerApi, MessengerEvents, Page, QuarantinedView, ReachabilityView, SearchResult, SendFileOptions, SendOptions, StatusView
} from './types.js'

export { parseInvite, shortAddress } from './contacts/invite.js'
export { MAX_TTL_MS, MIN_TTL_MS, MAX_TEXT_LENGTH, SECRET_RELAY_CAP_MS, DEFAULT_RELAY_COUNT } from './constants.js'
export { AccountDeletedError, AccountExpiredError } from './errors.js'
export type { MessengerOptions } from './messenger-options.js'

/**
 * Parley's chat domain: contacts, normal and secret conversations, disappearing messages,
 * deletes for both, receipts, multi-device fan-out, the persistent outbox and relay mailboxes,
 * attachments, groups, channels and the account's own devices. A façade: `buildFeatures` makes
 * the features from the components, `MessengerLifecycle` starts and stops them, and every method
 * here delegates to one of them.
 */
export class Messenger extends TypedEvents<MessengerEvents> implements MessengerApi {
  readonly store: Store
  private readonly f: Features
  private readonly life: MessengerLifecycle

  /**
   * `components.events` must emit on this messenger (`src/node/messenger.ts` builds them so).
   * The messenger starts the network it is given but never stops it: whoever opened the node
   * stops it, after `stop()` (only deleting the account takes the device offline, to wipe it).
   */
  constructor (private readonly components: MessengerComponents, options: MessengerOptions = {}) {
    super()
    this.store = components.store
    this.f = buildFeatures(components, options, {
      events: this,
      relays: () => this.life.relays,
      mailbox: () => this.life.mailbox,
      wipeUnlinked: async () => { await this.wipeUnlinked() }
    })
    this.life = new MessengerLifecycle(this.f, components, options, this)
  }

  get address (): string { return this.f.ctx.address }

  /** Relays this account uses (multiaddrs). */
  get relays (): string[] { return [...this.life.relays] }

  // ---------------------------------------------------------------- lifecycle

  async start (options: AbortOptions = {}): Promise<void> {
    try {
      await this.life.start(options)
    } catch (err) {
      // another device unlinked this one (while it was off): it wipes itself
      if (err instanceof DeviceUnlinkedError) await this.wipeUnlinked()
      throw err
    }
  }

  /** Stops the features (timers, mailboxes, outbox, depositor); the node stays up for its owner to stop. */
  async stop (): Promise<void> { await this.life.stop() }

  // ---------------------------------------------------------------- devices and account

  /**
   * A one-time code (valid 10 minutes) with which a new device joins this account:
   * `parley init --link <code>` or `openHomeMessenger({ …, linkCode })` on the new device.
   */
  async createDeviceLink (options: { ttlMs?: number } = {}): Promise<string> { return this.components.deviceLinks.createCode(options.ttlMs) }
  async devices (options: AbortOptions = {}): Promise<DeviceView[]> { return this.f.ownDevices.list(options) }
  async setInactivityPeriod (days: 30 | 90 | 180 | 365, options: AbortOptions = {}): Promise<void> { await this.f.account.setInactivityPeriod(days, options) }
  async setReadReceipts (enabled: boolean, options: AbortOptions = {}): Promise<void> {
    await this.f.account.setReadReceipts(enabled, options)
    await this.f.ownDevices.send(SyncUpdate.Action.READ_RECEIPTS, { flag: enabled }, options)
  }

  async deleteAccount (options: AbortOptions = {}): Promise<void> {
    await this.f.account.publishTombstone(this.life.relays, options)
    const wasRunning = this.f.ctx.running
    await this.life.stop()
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
      unreadable: await this.f.quarantine.count(options),
      version: VERSION,
      reachability: this.reachability()
    }
  }

  /** How reachable this device is now (relays, reservation, peers, DHT), with reasons in words; `reachability` events follow changes. */
  reachability (): ReachabilityView { return this.f.reachable.view() }

  /** Relay envelopes this device gave up on after bounded retries ("n messages could not be read"), oldest first. */
  async quarantined (options: AbortOptions = {}): Promise<QuarantinedView[]> { return this.f.quarantine.list(options) }
  /** Receives the quarantined envelopes whose sealed bytes are kept again; those received leave the quarantine. */
  async retryQuarantined (options: AbortOptions = {}): Promise<QuarantineRetry> { return this.f.quarantine.retry(async (envelope) => { await this.f.inbox.receive(envelope) }, options) }

  // ---------------------------------------------------------------- contacts

  inviteLink (): string { return this.f.contacts.inviteLink(this.life.relays) }
  async addContact (addressOrLink: string, init: { name?: string } = {}, options: AbortOptions = {}): Promise<ContactView> { return this.syncContact(await this.f.contacts.add(addressOrLink, init, options), SyncUpdate.Action.CONTACT_ADD, options) }
  async listContacts (options: AbortOptions = {}): Promise<ContactView[]> { return this.f.contacts.list(options) }
  async renameContact (address: string, name: string, options: AbortOptions = {}): Promise<ContactView> { return this.syncContact(await this.f.contacts.rename(address, name, options), SyncUpdate.Action.CONTACT_RENAME, options) }
  async removeContact (address: string, options: AbortOptions = {}): Promise<void> { await this.f.contacts.remove(address, options); await this.f.ownDevices.contactChanged(SyncUpdate.Action.CONTACT_REMOVE, address, {}, options) }
  async blockContact (address: string, blocked: boolean, options: AbortOptions = {}): Promise<ContactView> { return this.syncContact(await this.f.contacts.block(address, blocked, options), SyncUpdate.Action.CONTACT_BLOCK, options) }
  async safetyNumber (address: string): Promise<{ digits: string, qr: Uint8Array }> { return this.f.contacts.safetyNumber(address) }
  async markVerified (address: string, options: AbortOptions = {}): Promise<ContactView> { return this.syncContact(await this.f.contacts.markVerified(address, options), SyncUpdate.Action.CONTACT_VERIFY, options) }

  // ---------------------------------------------------------------- conversations and messages

  async conversations (options: AbortOptions & { limit?: number, cursor?: string } = {}): Promise<Page<ConversationView>> { return this.f.chats.list(options) }
  async getConversation (id: ConversationId, options: AbortOptions = {}): Promise<ConversationView> { return this.f.chats.get(id, options) }
  /** The normal conversation with `address` (created, and the contact added, on first use). */
  async conversationWith (address: string, options: AbortOptions = {}): Promise<ConversationView> { return this.f.chats.with(address, options) }
  async messages (id: ConversationId, options: AbortOptions & { limit?: number, cursor?: string } = {}): Promise<Page<MessageView>> { return this.f.chats.messages(id, options) }
  async sendText (id: ConversationId, text: string, options: SendOptions = {}): Promise<MessageView> { return this.f.messages.sendText(id, text, options) }
  async edit (id: ConversationId, messageId: string, text: string, options: AbortOptions = {}): Promise<MessageView> { return this.f.messages.edit(id, messageId, text, options) }
  async react (id: ConversationId, messageId: string, emoji: string, options: AbortOptions = {}): Promise<MessageView> { return this.f.messages.react(id, messageId, emoji, options) }
  async deleteMessages (id: ConversationId, ids: string[], options: AbortOptions & { forEveryone?: boolean } = {}): Promise<void> { await this.f.messages.deleteMessages(id, ids, options) }
  async clearConversation (id: ConversationId, options: AbortOptions & { forEveryone?: boolean } = {}): Promise<void> { await this.f.messages.clearConversation(id, options) }
  async forward (messageId: string, from: ConversationId, to: ConversationId, options: AbortOptions = {}): Promise<MessageView> { return await this.f.files.forward(messageId, from, to, options) ?? await this.f.messages.forward(messageId, from, to, options) }
  async markRead (id: ConversationId, options: AbortOptions = {}): Promise<void> { await this.f.actions.markRead(id, options) }
  async setTyping (id: ConversationId, typing: boolean, options: AbortOptions = {}): Promise<void> { await this.f.actions.setTyping(id, typing, options) }
  async setDisappearingTimer (id: ConversationId, ttlMs: number | null, options: AbortOptions = {}): Promise<ConversationView> { return this.f.actions.setDisappearingTimer(id, ttlMs, options) }
  async reportScreenshot (id: ConversationId, options: AbortOptions = {}): Promise<void> { await this.f.actions.reportScreenshot(id, options) }
  /** Searches the local history: decrypted pages matched in memory (no index is kept), newest first, bounded. */
  async search (query: string, options: SearchOptions = {}): Promise<SearchResult> { return searchMessages(this.store, async (c) => (await this.f.chats.get(c.id, options)).title, query, options) }

  // ---------------------------------------------------------------- attachments

  /** Sends a file, picture or voice note: `source` is a path (Node), a `Blob`/`File` or bytes as they come. */
  async sendFile (id: ConversationId, source: FileSource, options: SendFileOptions = {}): Promise<MessageView> { return this.f.files.sendFile(id, source, options) }
  /** Downloads an incoming attachment, resuming after the pieces already verified. */
  async downloadAttachment (id: ConversationId, messageId: string, options: AbortOptions & { onProgress?: (bytes: number, total: number) => void } = {}): Promise<MessageView> { return this.f.files.download(id, messageId, options) }
  /** The plaintext of a complete attachment, decrypted as it is read. */
  readAttachment (id: ConversationId, messageId: string, options: AbortOptions = {}): AsyncGenerator<Uint8Array> { return this.f.files.read(id, messageId, options) }

  // ---------------------------------------------------------------- secret chats

  async startSecretChat (address: string, options: AbortOptions & { directOnly?: boolean } = {}): Promise<ConversationView> { return this.f.secretChats.start(address, options) }
  async acceptSecretChat (id: ConversationId, options: AbortOptions = {}): Promise<ConversationView> { return this.f.secretChats.accept(id, options) }
  async closeSecretChat (id: ConversationId, options: AbortOptions = {}): Promise<void> { await this.f.secretChats.close(id, options) }

  // ---------------------------------------------------------------- receiving and expiry

  /** One envelope from a direct stream or a relay (see `Inbox.receive`). */
  async receive (envelope: Envelope, via: 'direct' | 'relay' = 'relay'): Promise<void> { await this.f.inbox.receive(envelope, via) }
  /** Deletes every message whose time has come. */
  async sweepExpired (): Promise<number> { return this.f.expiry.sweep() }

  // ---------------------------------------------------------------- groups (issue #20; PROTOCOL.md §12)

  /** Creates a group (this account its admin) with `members` (addresses); its conversation id is the group's. */
  async createGroup (name: string, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.create(name, members, options) }
  async addMembers (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.addMembers(id, members, options) }
  async removeMembers (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.removeMembers(id, members, options) }
  async leaveGroup (id: ConversationId, options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.leave(id, options) }
  async setGroupName (id: ConversationId, name: string, options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.rename(id, name, options) }
  async promote (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.promote(id, members, options) }
  async demote (id: ConversationId, members: string[], options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.demote(id, members, options) }
  /** The disappearing timer of a group's new messages (an admin's change, for every member). */
  async setGroupTimer (id: ConversationId, ttlMs: number | null, options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.setTimer(id, ttlMs, options) }
  async group (id: ConversationId, options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.get(id, options) }
  async listGroups (options: AbortOptions = {}): Promise<GroupView[]> { return this.f.groups.list(options) }
  /** Receipts of one of my messages in a group, counted over members: `{ delivered, read }` ("read by 12"). */
  async groupReceipts (id: ConversationId, messageId: string, options: AbortOptions = {}): Promise<{ delivered: number, read: number }> { return this.f.groups.receipts(id, messageId, options) }

  // ---------------------------------------------------------------- broadcast channels (PROTOCOL.md §13)

  /** A new channel owned by this account; its view carries the subscription link. */
  async createChannel (name: string, init: { private?: boolean } = {}, options: AbortOptions = {}): Promise<ChannelView> { return this.f.channels.create(name, init, options) }
  /** Posts to a channel this account owns or administers (by id, name or link). */
  async post (channel: string, text: string, options: AbortOptions = {}): Promise<ChannelPostView> { return this.f.channels.post(channel, text, options) }
  async editChannelPost (channel: string, seq: number, text: string, options: AbortOptions = {}): Promise<ChannelPostView> { return this.f.channels.edit(channel, seq, text, options) }
  async deleteChannelPost (channel: string, seq: number, options: AbortOptions = {}): Promise<void> { await this.f.channels.deletePost(channel, seq, options) }
  /** Follows a channel by its link and pulls its recent history (the newest 100 posts) from relays. */
  async subscribe (link: string, options: AbortOptions = {}): Promise<ChannelView> { return this.f.channels.subscribe(link, options) }
  /** Leaves a channel (its posts are forgotten here). */
  async unsubscribe (channel: string, options: AbortOptions = {}): Promise<void> { await this.f.channels.unsubscribe(channel, options) }
  async muteChannel (channel: string, muted: boolean, options: AbortOptions = {}): Promise<ChannelView> { return this.f.channels.mute(channel, muted, options) }
  async channels (options: AbortOptions = {}): Promise<ChannelView[]> { return this.f.channels.list(options) }
  /** Posts after `after`, oldest first. */
  async channelPosts (channel: string, query: { after?: number, limit?: number } = {}, options: AbortOptions = {}): Promise<ChannelPostView[]> { return this.f.channels.posts(channel, query, options) }
  /** Pulls what this device misses of a channel from relays now (also done at start and on gaps). */
  async catchUpChannel (channel: string, options: AbortOptions = {}): Promise<number> { return this.f.channels.catchUp(channel, options) }
  /** This device's would-be admin key for a channel it follows: the owner passes it to `setChannelAdmins`. */
  async channelAdminKey (channel: string, options: AbortOptions = {}): Promise<string> { return this.f.channels.adminKey(channel, options) }
  /** Owner: replaces the channel's admins (hex keys) with a signed list, announced in the channel. */
  async setChannelAdmins (channel: string, adminKeys: string[], options: AbortOptions = {}): Promise<ChannelView> { return this.f.channels.setAdmins(channel, adminKeys, options) }

  // ---------------------------------------------------------------- own devices (issue #19)

  /** Link requests waiting for this device's user to compare the string and confirm. */
  deviceLinkRequests (): LinkRequestView[] { return this.f.linkRequests.list() }
  /** Confirms or declines a link request; with `sas` (what the new device shows), it must match. */
  async confirmDeviceLink (id: string, accept: boolean, options: { sas?: string } = {}): Promise<void> { this.f.linkRequests.answer(id, accept, options.sas) }
  /** Names a device of this account, on all of its devices. */
  async renameDevice (id: string, name: string, options: AbortOptions = {}): Promise<DeviceView> { return this.f.ownDevices.rename(id, name, options) }
  /** Removes a device from this account: it wipes itself, contacts stop sending to it. */
  async unlinkDevice (id: string, options: AbortOptions = {}): Promise<void> { await this.f.ownDevices.unlink(id, options) }

  /** A contact change made here, told to the other devices of this account. */
  private async syncContact (contact: ContactView, action: SyncUpdate.Action, options: AbortOptions): Promise<ContactView> {
    await this.f.ownDevices.contactChanged(action, contact.address, { name: contact.name, flag: contact.blocked }, options)
    return contact
  }

  /** Another device unlinked this one: offline, wiped, and the owner told. */
  private async wipeUnlinked (): Promise<void> {
    const wasRunning = this.f.ctx.running
    await this.life.stop()
    if (wasRunning) await this.components.device.wipe()
    else await this.store.wipe()
    this.emit('wiped', { reason: 'unlinked' })
  }

  // internals reached by tests (forged contents, key changes); not part of the API
  private async requireConversation (id: string): Promise<Conversation> { return this.f.chats.require(id) }
  private baseContent (conversation: Conversation, kind: Content.Kind, extra: Partial<Content> = {}): Content { return baseContent(conversation, kind, this.f.ctx.now(), extra) }
  private async dispatch (conversation: Conversation, content: Content, options: DispatchOptions = {}): Promise<void> { await this.f.dispatcher.dispatch(conversation, content, options) }
  private async resolveAccount (address: string, options: AbortOptions & { fresh?: boolean } = {}): Promise<VerifiedAccountRecord> { return this.f.resolver.resolve(address, options) }

  // ---------------------------------------------------------------- channel reactions and views (issue #21, s9-chan)
  /** Reacts to a channel post with one emoji (`''` withdraws); sealed to the owner, counted in its next tally. */
  async reactToChannelPost (channel: string, seq: number, emoji: string, options: AbortOptions = {}): Promise<ChannelPostView> { return this.f.channelFeedback.react(channel, seq, emoji, options) }
  /** Reports channel posts as seen by this reader (once each; counted by the owner without learning who). */
  async markChannelPostsViewed (channel: string, seqs: number[], options: AbortOptions = {}): Promise<number> { return this.f.channelFeedback.markViewed(channel, seqs, options) }
  /** Owner: collects sealed reactions and views from relays now and publishes the changed counts (also every 30 s). */
  async tallyChannel (channel: string, options: AbortOptions = {}): Promise<CollectResult> { return this.f.channelFeedback.collect(channel, options) }
  /** Owner and admins: posts a file or voice note (`caption`, `name`, `mime`, `durationMs`, `waveform` in options); readers fetch it from relays. */
  async postChannelFile (channel: string, source: FileSource, options: SendFileOptions = {}): Promise<ChannelPostView> { return this.f.channelFiles.post(channel, source, options) }
  /** Fetches a channel post's file from the relays holding it (verified); then `readChannelFile`. */
  async downloadChannelFile (channel: string, seq: number, options: AbortOptions = {}): Promise<ChannelPostView> { return this.f.channelFiles.download(channel, seq, options) }
  /** The plaintext of a channel post's downloaded (or own) file. */
  readChannelFile (channel: string, seq: number, options: AbortOptions = {}): AsyncGenerator<Uint8Array> { return this.f.channelFiles.read(channel, seq, options) }
  // ---------------------------------------------------------------- group invite links (issue #20 s9-grp; PROTOCOL.md §12.5)
  async createGroupLink (id: ConversationId, init: { expiresInMs?: number | null } = {}, options: AbortOptions = {}): Promise<GroupLinkView> { return this.f.groupInvites.create(id, init, options) }
  async revokeGroupLink (id: ConversationId, linkId: string, options: AbortOptions = {}): Promise<void> { await this.f.groupInvites.revoke(id, linkId, options) }
  async groupLinks (id: ConversationId, options: AbortOptions = {}): Promise<Array<Omit<GroupLinkView, 'link'>>> { return this.f.groupInvites.links(id, options) }
  async setGroupJoinApproval (id: ConversationId, mode: 'approve' | 'auto', options: AbortOptions = {}): Promise<void> { await this.f.groupInvites.setJoinApproval(id, mode, options) }
  async joinGroupByLink (link: string, options: AbortOptions = {}): Promise<GroupJoinResult> { return this.f.groupInvites.join(link, options) }
  async groupJoinRequests (id: ConversationId, options: AbortOptions = {}): Promise<GroupJoinRequestView[]> { return this.f.groupInvites.requests(id, options) }
  async approveGroupJoin (id: ConversationId, address: string, options: AbortOptions = {}): Promise<void> { await this.f.groupInvites.approve(id, address, options) }
  async declineGroupJoin (id: ConversationId, address: string, options: AbortOptions = {}): Promise<void> { await this.f.groupInvites.decline(id, address, options) }
  /** The group's picture (whoever may rename it; ≤ 16 KiB PNG, JPEG or WebP; null removes it), and reading it. */
  async setGroupPicture (id: ConversationId, image: { bytes: Uint8Array, mime: string } | null, options: AbortOptions = {}): Promise<GroupView> { return this.f.groups.setPicture(id, image, options) }
  async groupPicture (id: ConversationId, options: AbortOptions = {}): Promise<{ mime: string, bytes: Uint8Array, setAt: number } | null> { return this.f.groups.picture(id, options) }
}
