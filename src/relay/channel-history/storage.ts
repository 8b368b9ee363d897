import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { VerifiedPost } from '../../identity/channel/index.js'
import type { FeedbackInbox } from '../../net/channel-feedback-inbox.js'
import type { ChannelHistoryBackend, HistoryPage, HistoryQuery } from '../../net/channel-history.js'

type MaybePromise<T> = T | Promise<T>

/**
 * Where a relay keeps channel history, whatever holds it: `ChannelHistoryStore` (its own
 * LevelDB, one process; answers from memory, so synchronously) and `PgChannelHistory` (the
 * fleet's PostgreSQL, shared by every member; asks the database). The keeper awaits every
 * answer; both keep posts under the operator's `channels` limits and validate them alike.
 */
export interface ChannelHistoryStorage extends ChannelHistoryBackend {
  query: (channelKey: Uint8Array, query: HistoryQuery, options?: AbortOptions) => Promise<HistoryPage>
  store: (channelKey: Uint8Array, posts: Uint8Array[], from: PeerId | undefined, options?: AbortOptions) => Promise<number>
  /** Whether the operator keeps this channel. */
  keeps: (channelKey: Uint8Array) => boolean
  /** Channels held now (their keys). */
  channelKeys: (options?: AbortOptions) => MaybePromise<Uint8Array[]>
  /** Bytes of posts held (all channels, or one). */
  bytes: (channelKey?: Uint8Array, options?: AbortOptions) => MaybePromise<number>
  /** Channels and bytes held, for the gauges (a shared database's as last read: never waits). */
  gauges: () => { channels: number, bytes: number }
  /** The newest post held without a gap before it. */
  contiguousHead: (channelKey: Uint8Array, options?: AbortOptions) => MaybePromise<{ seq: number, hash?: Uint8Array }>
  /** The lowest seq missing below the head (for reconciliation), or head + 1 when none is. */
  firstGap: (channelKey: Uint8Array, options?: AbortOptions) => MaybePromise<number>
  /** Keeps one verified post; false when it was already here. */
  storeOne: (channelKey: Uint8Array, verified: VerifiedPost, options?: AbortOptions) => Promise<boolean>
  /** The sealed reader feedback held for owners (§13.7), on the same store as the posts. */
  feedback: FeedbackInbox
  /** Retention for every channel, posts and feedback (the relay's sweep). */
  sweep: (options?: AbortOptions) => Promise<void>
  close: () => Promise<void>
}
