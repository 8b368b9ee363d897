import type { AbortOptions, Logger } from '@libp2p/interface'
import { verifyChannelPost, type VerifiedPost } from '../../identity/channel/channel-post.js'
import type { StoredChannel } from '../../store/channel-repo.js'
import type { ChannelTransport } from '../components.js'
import { CHANNEL_INITIAL_HISTORY, CHANNEL_SYNC_PAGE, CHANNEL_SYNC_MAX_PAGES } from '../constants.js'

/**
 * Pulls from history peers (relays that keep the channel) what this device misses: the newest
 * {@link CHANNEL_INITIAL_HISTORY} posts for a new subscriber, else every post after its head.
 * Each post is verified here; the ledger checks the chain. Peers that fail are skipped.
 */
export async function pullHistory (
  transport: ChannelTransport,
  peers: string[],
  channel: () => StoredChannel,
  apply: (posts: VerifiedPost[]) => Promise<void>,
  log: Logger,
  options: AbortOptions = {}
): Promise<number> {
  let pulled = 0
  for (const peer of peers) {
    try {
      for (let page = 0; page < CHANNEL_SYNC_MAX_PAGES; page++) {
        options.signal?.throwIfAborted()
        const current = channel()
        const fresh = current.head === 0 && current.headHash == null
        const query = fresh ? { after: 0, limit: CHANNEL_INITIAL_HISTORY, latest: true } : { after: current.head, limit: CHANNEL_SYNC_PAGE }
        const answer = await transport.query(peer, current.channelKey, query, options)
        const verified: VerifiedPost[] = []
        for (const bytes of answer.posts) {
          try {
            verified.push(verifyChannelPost(bytes, current.channelKey))
          } catch (err) {
            log('history peer %s sent an invalid post - %e', peer, err)
          }
        }
        await apply(verified)
        pulled += verified.length
        if (fresh || answer.posts.length < query.limit || channel().head === current.head) break
      }
    } catch (err) {
      options.signal?.throwIfAborted()
      log('history pull from %s failed - %e', peer, err)
    }
  }
  return pulled
}
