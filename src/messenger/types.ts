/**
 * The Messenger's public shapes: what the daemon's API, the CLI, the browser element and
 * embedding pages see. Implementation: `messenger.ts` (`createMessenger`).
 */
import type { TypedEvents } from '../events.js'
import type { AttachmentProgress, AttachmentView, ChannelPostView, ChannelTallyView, ChannelView, DeviceView, GroupJoinRequestView, GroupJoinResult, GroupLinkView, GroupView, LinkRequestView, SendFileOptions } from './feature-views.js'

export type { AttachmentProgress, AttachmentState, AttachmentView, ChannelPostView, ChannelTallyView, ChannelView, DeviceView, GroupJoinRequestView, GroupJoinResult, GroupLinkView, GroupView, LinkRequestView, SendFileOptions } from './feature-views.js'

/** Opaque conversation id (32 hex characters). */
export type ConversationId = string

export type VerificationState = 'unverified' | 'verified' | 'changed'

export interface ContactView {
  /** Account address (base58 with checksum). */
  address: string
  name: string
  verification: VerificationState
  blocked: boolean
  addedAt: number
}

export type ConversationKind = 'normal' | 'secret' | 'group'

/** Secret chat life cycle: `pending` (we asked), `incoming` (they asked), `active`, `closed`. */
export type SecretChatState = 'pending' | 'incoming' | 'active' | 'closed'

export interface ConversationView {
  id: ConversationId
  kind: ConversationKind
  /** The other participant's address. */
  peer: string
  /** The contact's name, or a short form of the address. */
  title: string
  lastActivity: number
  unreadCount: number
  /** Lifetime of new messages in ms, or null (messages do not disappear). */
  disappearingTimerMs: number | null
  /** Secret chats only. */
  secretState?: SecretChatState
  /** Secret chats only: never use relays. */
  directOnly?: boolean
}

/** Delivery of one outgoing message: `queued → sent | stored → delivered → read`, or `failed`. */
export type DeliveryState = 'queued' | 'sent' | 'stored' | 'delivered' | 'read' | 'failed'

export type MessageKind = 'text' | 'notice' | 'unsupported' | 'file'

/**
 * What a message of kind `notice` records: a disappearing timer set (`ttlMs`, null: turned off),
 * a secret chat accepted, a screenshot taken. Its `text` says it in words after the name of who
 * did it (the message's sender): "set disappearing messages to 1 hour".
 */
export type NoticeInfo = { type: 'timer', ttlMs: number | null } | { type: 'secret-accepted' } | { type: 'screenshot' }

export interface MessageView {
  id: string
  conversationId: ConversationId
  direction: 'in' | 'out'
  /** Sender's address. */
  sender: string
  /** Sender's clock (ms), for display. */
  sentAt: number
  /** Per-conversation logical clock: the order. */
  clock: number
  kind: MessageKind
  text?: string
  /** Kind `notice`: what it records (its `text` says it in words). */
  notice?: NoticeInfo
  /** Id of the message this one replies to. */
  replyTo?: string
  /** Earlier texts, oldest first, when edited. */
  editHistory?: string[]
  /** Emoji → addresses that reacted with it. */
  reactions: Record<string, string[]>
  /** Outgoing: aggregate delivery state; incoming: `received` or `read`. */
  status: DeliveryState | 'received'
  /** When it disappears (ms since epoch), or null. */
  expiresAt: number | null
  /** Secret chats: false (cannot be forwarded). */
  forwardable: boolean
  /** Kind `file`: the attached file, picture or voice note (`text` is its caption). */
  attachment?: AttachmentView
  /**
   * Outgoing and still `queued`: why the last attempt did not send it (an error code such as
   * `ERR_UNREACHABLE` or `ERR_ACCOUNT_NOT_FOUND`); absent once it is sent or stored.
   */
  lastError?: string
  /**
   * Outgoing: how it first left this device — `direct` (a recipient device acked it) or `relay`
   * (stored at a relay) — kept once it is delivered or read ("✓✓ via relay").
   */
  route?: 'direct' | 'relay'
}

/** A local history search: hits newest first; `complete` false when it stopped at a bound. */
export interface SearchResult {
  hits: Array<{ message: MessageView, conversationTitle: string }>
  complete: boolean
}

export interface Page<T> {
  items: T[]
  /** Pass back to get the next (older) page. */
  cursor?: string
}

export interface SendOptions {
  signal?: AbortSignal
  /** Lifetime in ms (1 s to 4 weeks); default: the conversation's timer. */
  ttlMs?: number
  replyTo?: string
}

export interface StatusView {
  address: string
  peerId: string
  multiaddrs: string[]
  peers: number
  relays: string[]
  dhtTableSize: number
  outbox: number
  /** Relay envelopes quarantined after bounded retries: "n messages could not be read" (see `quarantined()`). */
  unreadable: number
  version: string
  /** Whether this device can reach and be reached, from live state (see `reachability()`). */
  reachability: ReachabilityView
}

/** `online` only when every check holds; `degraded` with reasons; `offline` with no peer at all. */
export type ReachabilityState = 'online' | 'degraded' | 'offline'

/** How reachable this device is now, from live state, with reasons in words when not online. */
export interface ReachabilityView {
  state: ReachabilityState
  /** Why it is not `online`, in words ("relay unreachable: …"); empty when online. */
  reasons: string[]
  /** Peers connected now. */
  peers: number
  /** Peers in the DHT routing table (0: contacts cannot be looked up). */
  dhtPeers: number
  /** Relay reservations held (browsers are reachable only through them). */
  reservations: number
  /** Whether this device needs a relay reservation to be reachable (browsers). */
  needsReservation: boolean
  /** This account's relays: connected or not, the last error reaching them and, while one is away, how many re-dials failed (it is re-dialled with backoff until it is back). */
  relays: Array<{ address: string, connected: boolean, error?: string, redials?: number }>
  /** Whether browsers can deliver to this account (a relay WebSocket address in its record), and why not. */
  browsers: { reachable: boolean, reason?: string }
}

/** One relay envelope this device could not read and gave up on (acked at the relay; its sealed bytes kept while the bounds allow). */
export interface QuarantinedView {
  /** Envelope id (hex). */
  id: string
  /** Stable code of the last failure, e.g. `ERR_ACCOUNT_NOT_FOUND` (the claimed sender has no account record). */
  code: string
  /** Its message, shortened. */
  reason: string
  /** Failed attempts counted. */
  attempts: number
  firstFailedAt: number
  quarantinedAt: number
  /** True while its sealed bytes are kept in the encrypted store: `retryQuarantined()` tries it again. */
  kept: boolean
}

/**
 * How far a newly linked device's history got (issue #19). `received`: messages stored by the new
 * device (`receiving`), or, on the sending device, acknowledged as stored (`direct`) or sealed into
 * the relay archive (`relay`); `total`: the messages of this transfer (a relay archive that resumes
 * a broken-off direct transfer holds the rest only). Within one transfer `received` only grows,
 * and the `history-done` that ends it has `received` equal to `total`.
 */
export interface HistoryProgressView {
  /** The other device (hex device key): the new one on the sending side, the sending one on the new device. */
  device: string
  role: 'sending' | 'receiving'
  via: 'direct' | 'relay'
  received: number
  total: number
}

export interface MessengerEvents extends Record<string, unknown> {
  /** A new message in a conversation (incoming, or sent from another of my devices). */
  message: { message: MessageView }
  /** A message changed: edited, reacted to, status or expiry. */
  'message-updated': { message: MessageView }
  /**
   * Messages disappeared or were deleted. `everywhere`: on both sides (deleted for everyone, by
   * either participant; disappeared; a secret chat closed), not only on this device.
   */
  'messages-deleted': { conversationId: ConversationId, ids: string[], everywhere: boolean }
  /** Delivery state of an outgoing message changed. */
  delivery: { conversationId: ConversationId, messageId: string, state: DeliveryState, reason?: string }
  typing: { conversationId: ConversationId, from: string, typing: boolean }
  'conversation-updated': { conversation: ConversationView }
  'contact-key-changed': { address: string, wasVerified: boolean }
  /** A contact's account added or removed devices (hex device keys): not a safety-number change. */
  'contact-devices-changed': { address: string, added: string[], removed: string[] }
  /** A contact was added, renamed, blocked, verified or removed (`contact: null`) on another device of this account. */
  'contact-updated': { address: string, contact: ContactView | null }
  /** A new device asks to join this account: show `sas`, and confirm with `confirmDeviceLink` if the new device shows the same. */
  'device-link-request': LinkRequestView
  /** This account's devices changed: one was renamed, unlinked or linked. */
  'devices-changed': { reason: 'renamed' | 'unlinked' | 'linked' | 'history', device: string }
  /** Issue #19: a newly linked device's history moving; on the new device (`receiving`) and on the device that sends it (`sending`). */
  'history-progress': HistoryProgressView
  /** Issue #19: that history finished: all stored (new device), or all acknowledged / the archive left at the relays (sending device). */
  'history-done': HistoryProgressView
  /** A contact disappeared: its account published a deletion tombstone. */
  'contact-removed': { address: string, reason: 'account-deleted' }
  /** The peer reported a screenshot of a secret chat. */
  screenshot: { conversationId: ConversationId, from: string }
  /** This account was wiped (deleted or self-destructed): the messenger has stopped. */
  wiped: { reason: 'deleted' | 'inactivity' | 'unlinked' }
  /** An attachment is being sealed or downloaded. */
  'attachment-progress': AttachmentProgress
  /** Reachability changed (relay connected or lost, reservation held or lost, peers, DHT). */
  reachability: { reachability: ReachabilityView }
  /** Groups: the membership, name or settings of a group changed (or this account joined, left or was removed). */
  'group-updated': { group: GroupView }
  /** Groups: a group message or update was refused (replayed, forged, from a non-member…); nothing else was lost. */
  'group-refused': { conversationId: ConversationId, sender: string, code: string }
  /** Groups: someone asked to join by one of this account's invite links and waits for approval. */
  'group-join-requested': { groupId: ConversationId, address: string }
  /** Groups: the link's creator answered this account's join request (an accepted one arrives as `group-updated`). */
  'group-join-answered': { groupId: ConversationId, status: 'pending' | 'declined' | 'invalid', code?: string }
  /** Groups: a join request waiting on this device was settled elsewhere (another admin approved: the requester is a member; or declined). */
  'group-join-settled': { groupId: ConversationId, address: string, outcome: 'approved' | 'declined' }
  /** A new post in a channel this account follows or owns (not for muted channels), in channel order. */
  'channel-post': { channel: ChannelView, post: ChannelPostView }
  /** A post was edited or deleted by the channel's owner or an admin. */
  'channel-post-updated': { channel: ChannelView, post: ChannelPostView }
}

type Opts = { signal?: AbortSignal }

/** What a running messenger offers, in Node and in browsers alike. */
export interface MessengerApi extends TypedEvents<MessengerEvents> {
  readonly address: string
  start: (options?: Opts) => Promise<void>
  stop: () => Promise<void>
  /** `parley:<address>[?relay=<multiaddr>]` — share it to be added. */
  inviteLink: () => string
  status: (options?: Opts) => Promise<StatusView>
  /** How reachable this device is now (relays, reservation, peers, DHT), with reasons in words. */
  reachability: () => ReachabilityView
  /** Searches the local history (decrypted pages matched in memory; no index is kept). */
  search: (query: string, options?: Opts & { conversationId?: ConversationId, limit?: number }) => Promise<SearchResult>
  /** Relay envelopes that could not be read and were quarantined, with the reason, oldest first. */
  quarantined: (options?: Opts) => Promise<QuarantinedView[]>
  /** Receives the kept quarantined envelopes again; those that open leave the quarantine. */
  retryQuarantined: (options?: Opts) => Promise<{ received: number, failed: number }>

  addContact: (addressOrLink: string, init?: { name?: string }, options?: Opts) => Promise<ContactView>
  listContacts: (options?: Opts) => Promise<ContactView[]>
  renameContact: (address: string, name: string, options?: Opts) => Promise<ContactView>
  removeContact: (address: string, options?: Opts) => Promise<void>
  blockContact: (address: string, blocked: boolean, options?: Opts) => Promise<ContactView>
  /** The 60-digit safety number (`digits`: 12 groups of 5, space-separated) and its QR bytes, for this account and the contact. */
  safetyNumber: (address: string, options?: Opts) => Promise<{ digits: string, qr: Uint8Array }>
  markVerified: (address: string, options?: Opts) => Promise<ContactView>

  conversations: (options?: Opts & { limit?: number, cursor?: string }) => Promise<Page<ConversationView>>
  /** The normal conversation with a contact (created on first use). */
  conversationWith: (address: string, options?: Opts) => Promise<ConversationView>
  getConversation: (id: ConversationId, options?: Opts) => Promise<ConversationView>
  /** Newest first; page backwards with the cursor. */
  messages: (id: ConversationId, options?: Opts & { limit?: number, cursor?: string }) => Promise<Page<MessageView>>
  /** Attachments (absent where the messenger keeps no blob files). */
  sendFile?: (id: ConversationId, source: string | Blob | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: SendFileOptions) => Promise<MessageView>
  downloadAttachment?: (id: ConversationId, messageId: string, options?: Opts & { onProgress?: (bytes: number, total: number) => void }) => Promise<MessageView>
  readAttachment?: (id: ConversationId, messageId: string, options?: Opts) => AsyncGenerator<Uint8Array>
  sendText: (id: ConversationId, text: string, options?: SendOptions) => Promise<MessageView>
  edit: (id: ConversationId, messageId: string, text: string, options?: Opts) => Promise<MessageView>
  react: (id: ConversationId, messageId: string, emoji: string, options?: Opts) => Promise<MessageView>
  /** Deletes messages here, and with `forEveryone` on every device of both sides. */
  deleteMessages: (id: ConversationId, ids: string[], options?: Opts & { forEveryone?: boolean }) => Promise<void>
  clearConversation: (id: ConversationId, options?: Opts & { forEveryone?: boolean }) => Promise<void>
  forward: (messageId: string, from: ConversationId, to: ConversationId, options?: Opts) => Promise<MessageView>
  markRead: (id: ConversationId, options?: Opts) => Promise<void>
  setTyping: (id: ConversationId, typing: boolean, options?: Opts) => Promise<void>
  setDisappearingTimer: (id: ConversationId, ttlMs: number | null, options?: Opts) => Promise<ConversationView>

  startSecretChat: (address: string, options?: Opts & { directOnly?: boolean }) => Promise<ConversationView>
  acceptSecretChat: (id: ConversationId, options?: Opts) => Promise<ConversationView>
  closeSecretChat: (id: ConversationId, options?: Opts) => Promise<void>
  reportScreenshot: (id: ConversationId, options?: Opts) => Promise<void>

  /** A one-time code with which a new device joins this account (valid 10 minutes). */
  createDeviceLink: (options?: { ttlMs?: number }) => Promise<string>
  /** This account's devices (at most 6). */
  devices: () => Promise<DeviceView[]>
  /** Link requests waiting for confirmation. */
  deviceLinkRequests: () => LinkRequestView[]
  /** Confirms (after comparing the string) or declines a link request; with `sas`, it must match. */
  confirmDeviceLink: (id: string, accept: boolean, options?: { sas?: string }) => Promise<void>
  /** Names a device of this account (on every device of it). */
  renameDevice: (id: string, name: string, options?: Opts) => Promise<DeviceView>
  /** Removes a device from this account; it wipes itself. Not this device. */
  unlinkDevice: (id: string, options?: Opts) => Promise<void>

  setInactivityPeriod: (days: 30 | 90 | 180 | 365, options?: Opts) => Promise<void>
  setReadReceipts: (enabled: boolean, options?: Opts) => Promise<void>
  /** Publishes a signed tombstone, purges relays, wipes this device. */
  deleteAccount: (options?: Opts) => Promise<void>

  // groups (issue #20): the conversation id of a group is its id
  createGroup: (name: string, members: string[], options?: Opts) => Promise<GroupView>
  addMembers: (id: ConversationId, members: string[], options?: Opts) => Promise<GroupView>
  removeMembers: (id: ConversationId, members: string[], options?: Opts) => Promise<GroupView>
  leaveGroup: (id: ConversationId, options?: Opts) => Promise<GroupView>
  setGroupName: (id: ConversationId, name: string, options?: Opts) => Promise<GroupView>
  promote: (id: ConversationId, members: string[], options?: Opts) => Promise<GroupView>
  demote: (id: ConversationId, members: string[], options?: Opts) => Promise<GroupView>
  setGroupTimer: (id: ConversationId, ttlMs: number | null, options?: Opts) => Promise<GroupView>
  group: (id: ConversationId, options?: Opts) => Promise<GroupView>
  listGroups: (options?: Opts) => Promise<GroupView[]>
  /** Receipts of one of my messages in a group, counted over members ("read by 12"). */
  groupReceipts: (id: ConversationId, messageId: string, options?: Opts) => Promise<{ delivered: number, read: number }>
  /** Group invite links (issue #20): made by whoever may add members; joins approved or automatic per the group's setting. */
  createGroupLink: (id: ConversationId, init?: { expiresInMs?: number | null }, options?: Opts) => Promise<GroupLinkView>
  revokeGroupLink: (id: ConversationId, linkId: string, options?: Opts) => Promise<void>
  groupLinks: (id: ConversationId, options?: Opts) => Promise<Array<Omit<GroupLinkView, 'link'>>>
  setGroupJoinApproval: (id: ConversationId, mode: 'approve' | 'auto', options?: Opts) => Promise<void>
  joinGroupByLink: (link: string, options?: Opts) => Promise<GroupJoinResult>
  groupJoinRequests: (id: ConversationId, options?: Opts) => Promise<GroupJoinRequestView[]>
  approveGroupJoin: (id: ConversationId, address: string, options?: Opts) => Promise<void>
  declineGroupJoin: (id: ConversationId, address: string, options?: Opts) => Promise<void>
  /** A group's picture (whoever may rename it; at most 16 KiB of PNG, JPEG or WebP; null removes it). */
  setGroupPicture: (id: ConversationId, image: { bytes: Uint8Array, mime: string } | null, options?: Opts) => Promise<GroupView>
  groupPicture: (id: ConversationId, options?: Opts) => Promise<{ mime: string, bytes: Uint8Array, setAt: number } | null>
  /** Broadcast channels (`channel` is an id, a unique name or a link). */
  createChannel: (name: string, init?: { private?: boolean }, options?: Opts) => Promise<ChannelView>
  post: (channel: string, text: string, options?: Opts) => Promise<ChannelPostView>
  editChannelPost: (channel: string, seq: number, text: string, options?: Opts) => Promise<ChannelPostView>
  deleteChannelPost: (channel: string, seq: number, options?: Opts) => Promise<void>
  subscribe: (link: string, options?: Opts) => Promise<ChannelView>
  unsubscribe: (channel: string, options?: Opts) => Promise<void>
  muteChannel: (channel: string, muted: boolean, options?: Opts) => Promise<ChannelView>
  channels: (options?: Opts) => Promise<ChannelView[]>
  channelPosts: (channel: string, query?: { after?: number, limit?: number }, options?: Opts) => Promise<ChannelPostView[]>
  catchUpChannel: (channel: string, options?: Opts) => Promise<number>
  channelAdminKey: (channel: string, options?: Opts) => Promise<string>
  setChannelAdmins: (channel: string, adminKeys: string[], options?: Opts) => Promise<ChannelView>
  reactToChannelPost: (channel: string, seq: number, emoji: string, options?: Opts) => Promise<ChannelPostView>
  markChannelPostsViewed: (channel: string, seqs: number[], options?: Opts) => Promise<number>
  tallyChannel: (channel: string, options?: Opts) => Promise<ChannelTallyView>
  postChannelFile?: (channel: string, source: Blob | AsyncIterable<Uint8Array> | Iterable<Uint8Array> | string, options?: SendFileOptions) => Promise<ChannelPostView>
  downloadChannelFile?: (channel: string, seq: number, options?: Opts) => Promise<ChannelPostView>
  readChannelFile?: (channel: string, seq: number, options?: Opts) => AsyncIterable<Uint8Array>
}
