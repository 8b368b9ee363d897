import { channelId, parseChannelLink } from '../../identity/channel/channel-id.js'
import { ConfigError } from '../errors.js'
import { DEFAULT_FEEDBACK_LIMITS, type FeedbackInboxLimits } from '../../net/channel-feedback-inbox.js'

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

/** Parses the `channels` field of a relay config over `base`; throws `ConfigError` naming the field. */
export function parseChannelHistoryConfig (value: unknown, base: ChannelHistoryConfig): ChannelHistoryConfig {
  if (typeof value !== 'object' || value == null || Array.isArray(value)) throw new ConfigError('channels', 'must be an object { keep, retention, maxBytes }')
  const config = { ...base }
  for (const [k, v] of Object.entries(value)) {
    const field = `channels.${k}`
    if (k === 'keep') {
      if (v === 'all') config.keep = 'all'
      else if (Array.isArray(v) && v.every((e) => typeof e === 'string')) config.keep = (v as string[]).map((e, i) => keptId(`${field}[${i}]`, e))
      else throw new ConfigError(field, 'must be "all" or a list of channel ids or links')
    } else if (k === 'retention' || k === 'maxBytes' || k === 'maxBytesPerChannel' || k === 'maxChannels' || k === 'reconcileIntervalMs') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (k === 'reconcileIntervalMs' ? 0 : 1)) throw new ConfigError(field, 'must be a positive integer')
      config[k] = v
    } else {
      throw new ConfigError(field, 'unknown field')
    }
  }
  return config
}

/** A kept channel as an id (a link is reduced to its id). */
function keptId (field: string, entry: string): string {
  if (/^[0-9a-f]{32}$/.test(entry)) return entry
  try {
    return channelId(parseChannelLink(entry).channelKey)
  } catch {
    throw new ConfigError(field, 'must be a channel id (32 hex characters) or a subscription link')
  }
}

/**
 * The bounds of the sealed reader feedback a relay holds (PROTOCOL.md §13.6): the defaults, with
 * boxes expiring with the channel history's retention when that is shorter than 7 days.
 */
export function feedbackLimits (config: Pick<ChannelHistoryConfig, 'retention'>): FeedbackInboxLimits {
  return { ...DEFAULT_FEEDBACK_LIMITS, retentionMs: Math.min(DEFAULT_FEEDBACK_LIMITS.retentionMs, config.retention) }
}
