/** A relay's opt-in channel history (`channels` in the relay config, docs/RELAY.md). */
export interface ChannelHistoryConfig {
  /** Which channels to keep: none (`[]`, the default), the listed channel ids or links, or `'all'`. */
  keep: 'all' | string[]
  /** Posts older than this (ms since the relay received them) are dropped. */
  retention: number
  /** All channels together, bytes of posts. New posts of a full relay are refused. */
  maxBytes: number
  /** One channel, bytes of posts: its oldest posts make room for new ones. */
  maxBytesPerChannel: number
  /** Channels kept at once (`keep: 'all'`). */
  maxChannels: number
  /** How often the relay asks the other history peers it is connected to for posts it misses (ms; 0: never). */
  reconcileIntervalMs: number
}

/** The defaults: nothing kept until the operator opts in. */
export function defaultChannelHistoryConfig (): ChannelHistoryConfig {
  return {
    keep: [],
    retention: 30 * 24 * 3600_000,
    maxBytes: 1024 * 1024 * 1024,
    maxBytesPerChannel: 64 * 1024 * 1024,
    maxChannels: 10_000,
    reconcileIntervalMs: 60_000
  }
}
