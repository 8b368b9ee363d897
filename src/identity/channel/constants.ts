/** Limits of channel posts (PROTOCOL.md §13), the same at every hop. */

/** Largest encoded post accepted anywhere (gossip, history, store). */
export const MAX_CHANNEL_POST_BYTES = 64 * 1024
/** Longest post text (UTF-8 bytes), so that a sealed post stays under {@link MAX_CHANNEL_POST_BYTES}. */
export const MAX_CHANNEL_TEXT_BYTES = 48 * 1024
/** Admins one list may name. */
export const MAX_CHANNEL_ADMINS = 32
/** Longest channel name (UTF-8 bytes). */
export const MAX_CHANNEL_NAME_BYTES = 128
/** Gossipsub topic of a channel: this prefix and the channel id. */
export const CHANNEL_TOPIC_PREFIX = '/parley/channel/1/'
/** Scheme and path of a subscription link. */
export const CHANNEL_LINK_PREFIX = 'parley://channel/'
/** Longest reaction (UTF-8 bytes): one emoji, with modifiers. */
export const MAX_REACTION_BYTES = 32
/** Posts one sealed feedback may report as viewed. */
export const MAX_FEEDBACK_VIEWED = 32
/** Every feedback is padded to this many bytes before sealing (all sealed feedback looks alike). */
export const FEEDBACK_PLAIN_BYTES = 512
/** Tallies one TALLY post carries. */
export const MAX_TALLIES_PER_POST = 200
/** Relays a post's file names as holders of its blob, and the longest address (bytes). */
export const MAX_FILE_SOURCES = 8
export const MAX_FILE_SOURCE_BYTES = 256
