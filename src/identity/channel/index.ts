/**
 * Broadcast channels, the pure part: ids, subscription links, signed and hash-chained posts,
 * sealed bodies of private channels. No I/O: `net/` validates gossip with it, relays their
 * history, the messenger its reads and posts.
 *
 * @packageDocumentation
 */
export * from './channel-feedback.js'
export * from './channel-id.js'
export * from './channel-post.js'
export * from './constants.js'
export * from './errors.js'
