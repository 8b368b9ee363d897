import type { AbortOptions, ComponentLogger, Logger, PeerId } from '@libp2p/interface'
import { repeatingTask, type RepeatingTask } from '@libp2p/utils'
import { join } from 'node:path'
import { verifyChannelPost, type VerifiedPost } from '../../identity/channel/channel-post.js'
import type { ChannelHistoryBackend, HistoryPage, HistoryQuery } from '../../net/channel-history.js'
import type { ChannelGossip } from '../../net/channel-gossip.js'
import { createServingChannelGossip } from '../../net/channel-history-server.js'
import { channels, type Channels, type ChannelPostEvent } from '../../net/channels.js'
import { MAX_CHANNEL_QUERY_POSTS } from '../../net/constants.js'
import type { FeedbackInbox } from '../../net/channel-feedback-inbox.js'
import { channelId } from '../../identity/channel/channel-id.js'
import type { ChannelHistoryConfig } from './config.js'
import { ChannelHistoryStore } from './history-store.js'
import type { ChannelHistoryStorage } from './storage.js'

/** Pages asked of one peer for one channel in one reconciliation round. */
const RECONCILE_MAX_PAGES = 20

/**
 * A relay's opt-in channel history: its store, the `/parley/channel-history` server (through
 * the channels service), the gossip topics of kept channels (posts heard there are kept), and
 * periodic reconciliation with the other history peers it is connected to, so that a post that
 * reached one relay reaches the others.
 */
export class ChannelKeeper implements ChannelHistoryBackend {
  private service: ChannelGossip | undefined
  private task: RepeatingTask | undefined
  private readonly log: Logger
  /** Reconciliation's feedback cursor per history peer and channel (in memory: after a restart, boxes held already are not taken twice). */
  private readonly feedbackCursors = new Map<string, number>()
  private readonly onPost = (event: CustomEvent<ChannelPostEvent>): void => { void this.keepGossip(event.detail.verified) }

  private constructor (readonly history: ChannelHistoryStorage, private readonly config: ChannelHistoryConfig, logger: ComponentLogger) {
    this.log = logger.forComponent('parley:relay:channels')
  }

  /**
   * Opens the history: the relay's own LevelDB (`<dataDir>/channels`), or what `shared` opens
   * (a fleet's PostgreSQL: `PgMailboxStore.channelHistory`), handed the keeper's `onStored`.
   */
  static async open (init: { dataDir: string, config: ChannelHistoryConfig, logger: ComponentLogger, now?: () => number, shared?: (onStored: (verified: VerifiedPost) => void) => Promise<ChannelHistoryStorage> }): Promise<ChannelKeeper> {
    const holder: { keeper?: ChannelKeeper } = {}
    const onStored = (verified: VerifiedPost): void => { holder.keeper?.followStored(verified.post.channelKey) }
    const store = init.shared != null
      ? await init.shared(onStored)
      : await ChannelHistoryStore.open({
        location: join(init.dataDir, 'channels'),
        config: init.config,
        logger: init.logger,
        ...(init.now != null ? { now: init.now } : {}),
        onStored
      })
    holder.keeper = new ChannelKeeper(store, init.config, init.logger)
    return holder.keeper
  }

  /** The channels service factory for the relay's libp2p (`extraServices.channels`). */
  serviceFactory (): ReturnType<typeof channels> {
    return channels({ history: this, create: createServingChannelGossip })
  }

  /** Once libp2p runs: follows the kept channels' topics and starts reconciling. */
  start (shell: Channels): void {
    const service = this.service = shell.gossip
    service.addEventListener('post', this.onPost)
    void this.followKept()
    if (this.config.reconcileIntervalMs > 0) {
      this.task = repeatingTask(async (options) => { await this.reconcile(options) }, this.config.reconcileIntervalMs)
      this.task.start()
    }
  }

  stop (): void {
    this.task?.stop()
    this.service?.removeEventListener('post', this.onPost)
    this.service = undefined
  }

  async close (): Promise<void> {
    await this.history.close()
  }

  /** The sealed reader feedback held for owners (the history server answers FEEDBACK, COLLECT and SYNC from it). */
  get feedback (): FeedbackInbox {
    return this.history.feedback
  }

  async query (channelKey: Uint8Array, query: HistoryQuery, options?: AbortOptions): Promise<HistoryPage> {
    return await this.history.query(channelKey, query, options)
  }

  /** Posts handed over by owners, admins and other relays. */
  async store (channelKey: Uint8Array, posts: Uint8Array[], from: PeerId, options?: AbortOptions): Promise<number> {
    return await this.history.store(channelKey, posts, from, options)
  }

  /**
   * Asks every connected history peer for the posts of every kept channel this relay misses
   * (from its first gap on). Returns how many posts were newly kept.
   */
  async reconcile (options: AbortOptions = {}): Promise<number> {
    const service = this.service
    if (service == null) return 0
    let kept = 0
    const peers: PeerId[] = []
    for (const peer of service.connectedPeers()) if (await service.servesHistory(peer, options)) peers.push(peer)
    for (const channelKey of await this.history.channelKeys(options)) {
      for (const peer of peers) {
        try {
          for (let page = 0; page < RECONCILE_MAX_PAGES; page++) {
            options.signal?.throwIfAborted()
            const after = await this.history.firstGap(channelKey, options) - 1
            const answer = await service.query(peer, channelKey, { after, limit: MAX_CHANNEL_QUERY_POSTS }, options)
            let fresh = 0
            for (const bytes of answer.posts) {
              try {
                if (await this.history.storeOne(channelKey, verifyChannelPost(bytes, channelKey))) fresh++
              } catch (err) {
                this.log.trace('reconciliation: refused a post from %p - %e', peer, err)
              }
            }
            kept += fresh
            if (fresh === 0 || answer.posts.length < MAX_CHANNEL_QUERY_POSTS) break
          }
        } catch (err) {
          options.signal?.throwIfAborted()
          this.log.trace('reconciliation with %p failed - %e', peer, err)
        }
      }
    }
    if (kept > 0) this.log('reconciliation kept %d posts', kept)
    const boxes = await this.reconcileFeedback(service, peers, options)
    if (boxes > 0) this.log('reconciliation took %d sealed feedback boxes', boxes)
    return kept
  }

  /**
   * Pulls the sealed feedback every history peer holds for the channels held here (SYNC), so that
   * an owner collecting through any relay that keeps the channel gets every box; each is held
   * once. Returns how many boxes were newly taken.
   */
  async reconcileFeedback (service: ChannelGossip, peers: PeerId[], options: AbortOptions = {}): Promise<number> {
    let taken = 0
    for (const channelKey of await this.history.channelKeys(options)) {
      for (const peer of peers) {
        const key = `${peer.toString()}/${channelId(channelKey)}`
        try {
          for (let page = 0; page < RECONCILE_MAX_PAGES; page++) {
            options.signal?.throwIfAborted()
            const after = this.feedbackCursors.get(key) ?? 0
            const answer = await service.syncFeedback(peer, channelKey, after, options)
            for (const sealed of answer.sealed) {
              if (await this.history.feedback.deposit(channelKey, sealed, { peer: peer.toString(), synced: true }, options)) taken++
            }
            this.feedbackCursors.set(key, Math.max(after, answer.cursor))
            if (answer.sealed.length === 0 || answer.cursor <= after) break
          }
        } catch (err) {
          options.signal?.throwIfAborted()
          // a full inbox or a peer past its bound: the cursor stays, the rest comes in a later round
          this.log.trace('feedback reconciliation with %p failed - %e', peer, err)
        }
      }
    }
    return taken
  }

  /** Follows the topics of the channels held (at start). */
  private async followKept (): Promise<void> {
    try {
      for (const channelKey of await this.history.channelKeys()) await this.follow(channelKey)
    } catch (err) {
      // reconciliation and the next post stored join them later
      this.log.error('kept channels not followed yet - %e', err)
    }
  }

  private async follow (channelKey: Uint8Array): Promise<void> {
    if (this.service == null || this.service.joined(channelKey)) return
    const head = await this.history.contiguousHead(channelKey)
    const service = this.service
    if (service == null || service.joined(channelKey)) return
    service.join(channelKey, { ...head, adminsVersion: 0 })
  }

  /** Follows a channel a post was newly kept for (a background read for a shared database). */
  private followStored (channelKey: Uint8Array): void {
    this.follow(channelKey).catch((err: unknown) => { this.log.error('channel not followed - %e', err) })
  }

  private async keepGossip (verified: VerifiedPost): Promise<void> {
    try {
      await this.history.storeOne(verified.post.channelKey, verified)
    } catch (err) {
      this.log.trace('did not keep a gossiped post - %e', err)
    }
  }
}
