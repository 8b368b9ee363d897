/** Record shapes the store persists. Byte fields are opaque to the store. */

/** Cancellation for every async store method. */
export interface StoreOptions {
  signal?: AbortSignal
}

/** How much a contact's identity key is trusted. `changed`: the key changed after verification. */
export type VerificationState = 'unverified' | 'verified' | 'changed'

/** A previous identity key of a contact and when it was replaced. */
export interface KeyChange {
  key: Uint8Array
  replacedAt: number
}

export interface Contact {
  /** The contact's account id (its public account key in text form). */
  accountId: string
  name: string
  /** Current account identity key (opaque bytes from the identity module). */
  identityKey: Uint8Array
  verification: VerificationState
  keyHistory: KeyChange[]
  blocked: boolean
  addedAt: number
}

export type ConversationKind = 'normal' | 'secret' | 'group'

export interface Conversation {
  /** Opaque random id: 32 lowercase hex characters (see `newConversationId()`). */
  id: string
  kind: ConversationKind
  /** Account ids of the other members. */
  members: string[]
  /** Milliseconds since the epoch of the latest message or event. */
  lastActivity: number
  unreadCount: number
  /** Lifetime of new messages in ms, or null when messages do not disappear. */
  disappearingTimerMs: number | null
  /** Highest logical clock seen in this conversation. */
  clock: number
  createdAt: number
}

export type MessageDirection = 'in' | 'out'

export type MessageStatus = 'queued' | 'sent' | 'stored' | 'delivered' | 'read' | 'failed' | 'received'

export interface Message {
  id: string
  conversationId: string
  /** Logical (Lamport) clock: the primary sort key within a conversation. */
  clock: number
  /** Sender's wall-clock timestamp (ms): the secondary sort key. */
  senderTimestamp: number
  direction: MessageDirection
  /** Sender account id. */
  sender: string
  /** Encoded message body (opaque to the store). */
  content: Uint8Array
  status: MessageStatus
  /** When the message must be deleted (ms), or null. */
  expiresAt: number | null
}

/**
 * Where one outbox entry goes: a sealed envelope for one device of an account, or content not
 * yet sealed (its conversation's recipients could not be resolved when it was queued).
 */
export type OutboxTarget =
  | { kind: 'sealed', address: string, /** hex */ deviceKey: string, /** never through relays */ directOnly: boolean }
  | { kind: 'pending', conversationId: string }

export interface OutboxEntry {
  id: string
  /** The encoded envelope to deliver, as it goes on the wire (opaque); for a `pending` target, the content to seal. */
  envelope: Uint8Array
  /** Entries written before `target` existed: `'any|<address>|<device hex>'`, `'direct|…'` or `'pending|<conversation>'`. Empty for new entries. */
  targets: string[]
  /** Where the entry goes (entries written by older versions have only `targets`). */
  target?: OutboxTarget
  attempts: number
  /** When to try next (ms since the epoch). */
  nextAttemptAt: number
  createdAt: number
  /**
   * Queue order among entries created in the same millisecond (higher: later); entries written
   * by older versions have none and count as 0. The worker sends one device's entries in
   * (createdAt, order) order.
   */
  order?: number
  messageId: string | null
  lastError: string | null
}

/** State of a secret chat: `pending → active → closed` on the side that started it, `incoming → active → closed` on the other. */
export type SecretChatState = 'pending' | 'incoming' | 'active' | 'closed'

/** A secret chat's state, bound to one peer device. */
export interface SecretChat {
  state: SecretChatState
  /** Never through relays. */
  directOnly: boolean
  /** The one peer device (hex device key) this chat is bound to. */
  peerDevice: string
}

export type DeliveryState = 'failed' | 'sent' | 'stored' | 'delivered' | 'read'

/** Delivery/read state of one message per recipient (device or account id). */
export interface Receipts {
  messageId: string
  targets: Record<string, { state: DeliveryState, at: number }>
}

export interface ExpiryEntry {
  expiresAt: number
  messageId: string
  conversationId: string
}

/** One page of a ranged query; `cursor` is set when more rows may follow. */
export interface Page<T> {
  items: T[]
  cursor?: string
  /** Records on this page that failed authentication and were skipped. */
  damaged: number
}

/** Paging arguments. */
export interface PageOptions extends StoreOptions {
  /** Rows per page (default 50, at most 500). */
  limit?: number
  /** The `cursor` of the previous page. */
  cursor?: string
}

/** A group this device belongs (or belonged) to: see `GroupRepo` and docs/PROTOCOL.md §12. */
export interface GroupRecord {
  /** Every membership operation (a GroupLogSnapshot encoding). */
  log: Uint8Array
  /** State computed from the log. */
  name: string
  members: Array<{ account: string, role: 'admin' | 'member' }>
  timerMs: number
  /** This account: still a member, removed by an admin, or left. */
  self: 'member' | 'removed' | 'left'
  /** This device's sending chain (an encoded SenderChainState), null before the first message. */
  ownChain: Uint8Array | null
  /** The current sending chain as handed out at its start (an encoded SenderKeyDistribution): answers sender-key re-requests. */
  ownChainStart?: Uint8Array | null
  /** Devices (hex keys) handed the current sending chain. */
  distributed: string[]
  /** Membership updates received but not applied yet (applied after the receive commits). */
  pending: Array<{ payload: Uint8Array, sender: string, senderDevice: Uint8Array }>
  /** The group's picture: the newest SignedGroupPicture (absent: none). */
  picture?: Uint8Array
  /** Whether joins by invite link wait for approval (absent: approve). */
  linkJoin?: 'approve' | 'auto'
  /** Join requests by invite link waiting for this account's approval (its links, the group set to approve). */
  joinRequests?: Array<{ account: string, linkId: string, at: number }>
}
