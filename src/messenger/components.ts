import type { AbortOptions, ComponentLogger } from '@libp2p/interface'
import type { VerifiedPost } from '../identity/channel/channel-post.js'
import type { HistoryPage, HistoryQuery } from '../net/channel-history.js'
import type { ChainHead } from '../net/channels.js'
import type { AccountRecordBody, DeviceEntry, RelayEntry, VerifiedAccountRecord } from '../identity/account-record.js'
import type { Envelope } from '../net/envelope-codec.js'
import type { DepositReceipt, HandedPrekey, MailboxSubscription, RelayOutcome } from '../net/mailbox-client.js'
import type { Store } from '../store/index.js'
import type { MailboxPrekey } from '../wire/mailbox.js'
import type { SessionCrypto } from './sessions/session-crypto.js'
import type { AttachmentComponents } from './attachments/components.js'
import type { MessengerEvents } from './types.js'

/**
 * What the chat domain needs from the world, as interfaces only: each as narrow as the calls
 * it serves, so the features can be unit-tested with stubs and the in-memory store. Built by
 * `src/node/messenger-components.ts` from a `ParleyNode` and its store; the messenger imports
 * nothing of `node/`, `p2p/`, `device/` or `relay/`.
 */
export interface MessengerComponents {
  signer: Signer
  accountRecords: AccountRecords
  directory: Directory
  envelopes: Envelopes
  mailboxes: Mailboxes
  depositor: Depositor
  relayDiscovery: RelayDiscovery
  network: Network
  device: Device
  deviceLinks: DeviceLinks
  sessions: SessionCrypto
  prekeys: Prekeys
  store: Store
  events: Events
  logger: ComponentLogger
  clock: Clock
  /** Files, pictures, voice notes (absent: `sendFile` and downloads are refused `ERR_NOT_SUPPORTED`). */
  attachments?: AttachmentComponents
  /** Broadcast channels (gossip and relay history); absent: the channel methods throw ERR_NOT_STARTED. */
  channels?: ChannelTransport
}

/** This device's key: signs with it, never hands out its secret bytes. */
export interface Signer {
  /** The device's Ed25519 public key. */
  readonly publicKey: Uint8Array
  sign: (message: Uint8Array, options?: AbortOptions) => Promise<Uint8Array>
}

/** Changes to this account's record when re-signing it. */
export type RecordChanges = Partial<Pick<AccountRecordBody, 'relays' | 'inactivityDays' | 'deleted' | 'fleets'>> & { addDevices?: DeviceEntry[], removeDevices?: Uint8Array[] }

/** This account's own signed record: sign, adopt a newer one, publish. */
export interface AccountRecords {
  /** This account's address. */
  readonly address: string
  readonly accountKey: Uint8Array
  /** The latest signed record of this account, if any. */
  ownRecord: () => Uint8Array | undefined
  ownBody: () => AccountRecordBody | undefined
  /** Re-signs the record with `changes`; returns its bytes (not yet published). */
  sign: (changes?: RecordChanges, options?: AbortOptions) => Promise<Uint8Array>
  /** Adopts a newer record of this account from the DHT (another device signed it); best effort. */
  refresh: (options?: AbortOptions) => Promise<boolean>
  /** Puts the current record into the DHT. */
  publish: (options?: AbortOptions) => Promise<void>
  /** Keeps these bytes (a verified record of this account, newer than the own one) as the own record. */
  adopt: (record: Uint8Array, options?: AbortOptions) => Promise<void>
  /** Puts these record bytes (e.g. a deletion tombstone) into the DHT. */
  publishRecord: (record: Uint8Array, options?: AbortOptions) => Promise<void>
}

/** Account lookup. */
export interface Directory {
  /** An account's verified record (cached unless `fresh`). */
  lookup: (address: string, options?: AbortOptions & { fresh?: boolean }) => Promise<VerifiedAccountRecord>
}

/** An envelope that arrived over a direct stream. */
export type EnvelopeHandler = (envelope: Envelope) => Promise<void>

/** Direct delivery to devices. */
export interface Envelopes {
  /** Sends one encoded `Envelope` to a device, bytes as they are; resolves on its ack. */
  send: (device: DeviceEntry, envelope: Uint8Array, options?: AbortOptions) => Promise<void>
  /** Where incoming envelopes go (undefined: nowhere). */
  setHandler: (handler: EnvelopeHandler | undefined) => void
}

/** This device's mailboxes at relays, as their owner (credentials stay inside). */
export interface Mailboxes {
  subscribe: (relay: string, onEnvelope: (envelope: Envelope) => void, options?: AbortOptions) => Promise<MailboxSubscription>
  /** Fetches everything waiting, page by page; `handle` returning true acks an envelope. Returns how many were acked. */
  drain: (relay: string, handle: (envelope: Envelope) => Promise<boolean>, options?: AbortOptions & { pageSize?: number }) => Promise<number>
  /** Fetches everything waiting, a page at a time; `handlePage` persists a page and says which of its envelopes to ack (acked after it resolves). Returns how many were acked. */
  drainPages: (relay: string, handlePage: (envelopes: Envelope[]) => Promise<boolean[]>, options?: AbortOptions & { pageSize?: number }) => Promise<number>
  ack: (relay: string, ids: Uint8Array[], options?: AbortOptions) => Promise<void>
  uploadPrekeys: (relay: string, oneTime: MailboxPrekey[], options?: AbortOptions) => Promise<void>
  /** Authenticates at each relay with a deletion tombstone, so they purge this account's mailbox and prekeys. */
  purge: (relays: string[], tombstone: Uint8Array, options?: AbortOptions) => Promise<void>
  /** Closes the mailbox streams. */
  stop: () => Promise<void>
}

/** Anonymous relay operations (throwaway identities). */
export interface Depositor {
  /** Deposits one encoded envelope at every relay; one outcome per relay. */
  depositToAll: (relays: string[], envelope: Uint8Array, options?: AbortOptions) => Promise<Array<RelayOutcome<DepositReceipt>>>
  takePrekey: (relays: string[], deviceKey: Uint8Array, options?: AbortOptions) => Promise<HandedPrekey[]>
  stop: () => Promise<void>
}

/** Relays found in the DHT. */
export interface RelayDiscovery {
  /** Up to `count` relay multiaddrs (with /p2p/); empty when nobody can be asked. */
  find: (count: number, options?: AbortOptions) => Promise<string[]>
}

/** The peer-to-peer node as the chat domain sees it. */
export interface Network {
  readonly peerId: string
  multiaddrs: () => string[]
  peerCount: () => number
  dhtTableSize: () => number
  /** Starts the node (the messenger never stops it: whoever opened the node does). */
  start: (options?: AbortOptions) => Promise<void>
  dial: (multiaddr: string, options?: AbortOptions) => Promise<void>
  /** Calls `handler` when a peer connects; returns the unsubscribe. */
  onPeerConnect: (handler: () => void) => () => void
  /** The addresses the connected peer named in `multiaddr` (its `/p2p/`) announces (identify). */
  peerAddresses: (multiaddr: string, options?: AbortOptions) => Promise<string[]>
  /** Whether this platform dials `multiaddr` itself (Node: TCP, WebSockets; browsers: WebSockets). */
  canDial: (multiaddr: string) => boolean
  /** Whether the peer named in `multiaddr` (its `/p2p/`) is connected now. */
  isConnected: (multiaddr: string) => boolean
  /** This device is reachable only through relay reservations (browsers). */
  readonly reachableOnlyViaRelays: boolean
  /** Relay reservations this device holds now (its `/p2p-circuit` listen addresses). */
  reservations: () => number
  /** Calls `handler` when connections or this device's own addresses change; returns the unsubscribe. */
  onChange: (handler: () => void) => () => void
  /** Tags the peer named in `multiaddr` (a configured relay) so the connection manager prunes it last. */
  protect: (multiaddr: string) => Promise<void>
}

/** This device, as the end of an account sees it. */
export interface Device {
  /**
   * Takes this device offline (its node stopped, its keys zeroed in memory) and wipes its store:
   * the account was deleted or self-destructed. Done by whoever owns the node and the store
   * (`node/`), so the messenger never stops the node it was handed.
   */
  wipe: () => Promise<void>
}

/** Linking new devices to this account. */
export interface DeviceLinks {
  /** A one-time link code, valid `ttlMs`. */
  createCode: (ttlMs?: number) => Promise<string>
  stop: () => Promise<void>
  /**
   * Who confirms a link request (after the user compared the short authentication string both
   * devices show); without one every request is declined.
   */
  setConfirmHandler: (handler: ((request: { sas: string, deviceKey: Uint8Array, peerId: Uint8Array }, options: { signal: AbortSignal }) => Promise<boolean>) | undefined) => void
  /** Told of the signed record each time a new device was linked here. */
  setLinkedHandler: (handler: ((record: Uint8Array, deviceKey: Uint8Array) => void) | undefined) => void
  /** Where the history archive a confirmed new device asked for comes from (encoded frames); none: an empty one. */
  setHistorySource: (source: ((since: number, options: { signal: AbortSignal }) => AsyncIterable<Uint8Array>) | undefined) => void
  /** Who follows a new device's history here (issue #19): what is owed, progress, the end (a broken-off transfer resumes through the relays). */
  setHistoryHandlers?: (handlers: HistoryHandlers | undefined) => void
}

/** The existing device's side of a new device's history (`/parley/link/1.0.0`). */
export interface HistoryHandlers {
  /** A confirmed new device asked for the history since `since` (ms; 0: all): awaited before the link answer. */
  owed: (deviceKey: Uint8Array, since: number) => Promise<void>
  /** The new device stored this frame (plaintext) of the direct transfer; in order. */
  acked: (deviceKey: Uint8Array, frame: Uint8Array) => void
  /** The direct transfer ended: `complete`, or the last frame stored (none sent when the new device asked for the relays only). */
  ended: (deviceKey: Uint8Array, since: number, outcome: { complete: boolean, lastAcked?: Uint8Array }) => void
}

/** One-time prekey batch for the relays. */
export interface OneTimePrekeyBatch {
  oneTime: Array<{ id: number, publicKey: Uint8Array }>
  oneTimePq: Array<{ id: number, publicKey: Uint8Array, signature: Uint8Array, createdAt: number }>
}

/** This device's prekeys. */
export interface Prekeys {
  consume: (ids: { oneTimePrekeyId?: number, oneTimePqPrekeyId?: number }) => Promise<void>
  generateOneTime: (count: number) => Promise<OneTimePrekeyBatch>
}

/** Where the messenger's events go. */
export interface Events {
  emit: <K extends keyof MessengerEvents & string>(type: K, detail: MessengerEvents[K]) => void
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now: () => number
}

/** The recipient device of an outgoing copy, and whether it is one of my own. */
export interface Target {
  address: string
  device: DeviceEntry
  /** A copy for one of my own other devices. */
  sync: boolean
}

/** A recipient device's current record entry and its account's relays. */
export interface ResolvedDevice {
  device: DeviceEntry
  relays: RelayEntry[]
  /** Operator keys of the relay fleets the account names (each served by any live member). */
  fleets?: Uint8Array[]
}

/** Broadcast channels: one gossip topic per channel and the history peers (relays) that keep them. */
export interface ChannelTransport {
  /** Loads and starts the channels service (once the node runs). */
  ready: (options?: AbortOptions) => Promise<void>
  /** Follows a channel's topic; the first-hop validator starts from `head`. */
  join: (channelKey: Uint8Array, head: ChainHead) => void
  leave: (channelKey: Uint8Array) => void
  /** A post this device got from history or wrote itself: the validator's head moves on. */
  advance: (verified: VerifiedPost) => void
  publish: (verified: VerifiedPost, options?: AbortOptions) => Promise<number>
  /** Peers (ids) that serve channel history, connected now. */
  historyPeers: (options?: AbortOptions) => Promise<string[]>
  query: (peer: string, channelKey: Uint8Array, query: HistoryQuery, options?: AbortOptions) => Promise<HistoryPage>
  store: (peer: string, channelKey: Uint8Array, posts: Uint8Array[], options?: AbortOptions) => Promise<number>
  /** Posts that passed the validator; returns the unsubscribe function. */
  onPost: (handler: (verified: VerifiedPost) => void) => () => void
  /** Deposits sealed reader feedback (reactions, views) for the owner at a history peer. */
  depositFeedback: (peer: string, channelKey: Uint8Array, sealed: Uint8Array, options?: AbortOptions) => Promise<void>
  /** The owner: sealed feedback a history peer holds after `after`. */
  collectFeedback: (peer: string, channelKey: Uint8Array, after: number, channelSeed: Uint8Array, options?: AbortOptions) => Promise<{ sealed: Uint8Array[], cursor: number }>
}
