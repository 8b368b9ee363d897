import type { AbortOptions, Logger } from '@libp2p/interface'
import { fromHex, toHex } from '../../bytes.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { channelId, parseChannelLink } from '../../identity/channel/channel-id.js'
import { generateChannelSecret, signChannelAdmins, signChannelPost, verifyChannelPost, type VerifiedPost } from '../../identity/channel/channel-post.js'
import { MAX_CHANNEL_ADMINS, MAX_CHANNEL_NAME_BYTES } from '../../identity/channel/constants.js'
import { generateSigningKeyPair, signingKeyPairFromSeed } from '../../identity/keys.js'
import { KeyedMutex } from '../../mutex.js'
import type { StoredChannel } from '../../store/channel-repo.js'
import { ChannelAdmins, PostBody, type ChannelFile, type Tally } from '../../wire/channel.js'
import type { ChannelTransport } from '../components.js'
import { CHANNEL_OPERATION_TIMEOUT_MS, CHANNEL_RESYNC_INTERVAL_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import type { ChannelPostView, ChannelView } from '../types.js'
import { ChannelLedger, type Applied } from './channel-ledger.js'
import { pullHistory } from './channel-sync.js'
import { channelView, postView } from './channel-views.js'

/**
 * Broadcast channels (PROTOCOL.md §13): create, post, edit and delete (owner and admins),
 * subscribe by link, catch up from relays, mute, leave. Posts arrive from gossip (already
 * checked at the first hop) and from history peers (checked here), and are taken in chain order.
 */
export class Channels {
  private readonly log: Logger
  private readonly lock = new KeyedMutex()
  private readonly ledger: ChannelLedger
  private offPost: (() => void) | undefined
  private resync: ReturnType<typeof setInterval> | undefined

  /** `relays`: this account's relays (multiaddrs with /p2p/), asked for history even before identify says they serve it. */
  constructor (private readonly ctx: MessengerContext, private readonly relays: () => string[] = () => []) {
    this.log = ctx.log('channels')
    this.ledger = new ChannelLedger(ctx.components.store, this.log)
  }

  private get transport (): ChannelTransport {
    const transport = this.ctx.components.channels
    if (transport == null) throw new ParleyError('Channels are not available on this node', ErrorCode.NOT_STARTED)
    return transport
  }

  /** Follows every stored channel and catches up in the background. */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.ctx.components.channels == null) return
    await this.transport.ready(options)
    this.offPost = this.transport.onPost((verified) => { void this.receive(verified) })
    for (const channel of await this.ctx.components.store.channels.list(options)) {
      this.transport.join(channel.channelKey, { seq: channel.head, ...(channel.headHash != null ? { hash: channel.headHash } : {}), adminsVersion: channel.adminsVersion })
    }
    void this.catchUpAll().catch((err: unknown) => { this.log('catch-up failed - %e', err) })
    this.resync = setInterval(() => { void this.catchUpAll().catch((err: unknown) => { this.log('catch-up failed - %e', err) }) }, CHANNEL_RESYNC_INTERVAL_MS)
  }

  stop (): void {
    this.offPost?.()
    this.offPost = undefined
    clearInterval(this.resync)
    this.resync = undefined
  }

  /** Pulls every channel's missing posts from history peers (also on a timer: gossip may lose posts). */
  private async catchUpAll (): Promise<void> {
    for (const channel of await this.ctx.components.store.channels.list({ signal: this.ctx.shutdown })) {
      await this.catchUp(channel.id).catch((err: unknown) => { this.log('catch-up of %s failed - %e', channel.id, err) })
    }
  }

  async create (name: string, init: { private?: boolean } = {}, options: AbortOptions = {}): Promise<ChannelView> {
    checkName(name)
    const keys = generateSigningKeyPair()
    const channel: StoredChannel = {
      id: channelId(keys.publicKey),
      channelKey: keys.publicKey,
      name,
      role: 'owner',
      signingKey: keys.secretKey,
      signingKeyPublic: keys.publicKey,
      ...(init.private === true ? { secret: generateChannelSecret() } : {}),
      adminsVersion: 0,
      head: 0,
      muted: false,
      joinedAt: this.ctx.now()
    }
    await this.ctx.components.store.channels.put(channel, { signal: this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS) })
    this.transport.join(channel.channelKey, { seq: 0, adminsVersion: 0 })
    return channelView(channel)
  }

  async post (ref: string, text: string, options: AbortOptions = {}): Promise<ChannelPostView> {
    const { view } = await this.write(ref, { kind: PostBody.Kind.TEXT, text, target: 0n, channelName: '' }, options)
    return view
  }

  async edit (ref: string, seq: number, text: string, options: AbortOptions = {}): Promise<ChannelPostView> {
    await this.requirePost(ref, seq, options)
    await this.write(ref, { kind: PostBody.Kind.EDIT, text, target: BigInt(seq), channelName: '' }, options)
    return await this.requirePost(ref, seq, options)
  }

  async deletePost (ref: string, seq: number, options: AbortOptions = {}): Promise<void> {
    await this.requirePost(ref, seq, options)
    await this.write(ref, { kind: PostBody.Kind.DELETE, text: '', target: BigInt(seq), channelName: '' }, options)
  }

  /** This device's key for being made an admin of a channel it follows (hex): give it to the owner. */
  async adminKey (ref: string, options: AbortOptions = {}): Promise<string> {
    const signal = this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS)
    return await this.lock.run(ref, async () => {
      const channel = await this.require(ref, { signal })
      if (channel.signingKeyPublic != null) return toHex(channel.signingKeyPublic)
      const keys = generateSigningKeyPair()
      await this.ctx.components.store.channels.put({ ...channel, signingKey: keys.secretKey, signingKeyPublic: keys.publicKey }, { signal })
      return toHex(keys.publicKey)
    })
  }

  /** Owner: names the admins (hex keys of {@link adminKey}), in a signed ADMINS post. */
  async setAdmins (ref: string, adminKeys: string[], options: AbortOptions = {}): Promise<ChannelView> {
    if (adminKeys.length > MAX_CHANNEL_ADMINS) throw new ParleyError(`At most ${MAX_CHANNEL_ADMINS} admins`, ErrorCode.INVALID_ARGUMENT)
    const keys = adminKeys.map((k) => {
      if (!/^[0-9a-f]{64}$/.test(k)) throw new ParleyError('Admin keys are 64 hex characters', ErrorCode.INVALID_ARGUMENT)
      return fromHex(k)
    })
    const { channel } = await this.write(ref, { kind: PostBody.Kind.ADMINS, text: '', target: 0n, channelName: '' }, options, (c) => {
      if (c.role !== 'owner' || c.signingKey == null) throw new ParleyError('Only the owner names admins', ErrorCode.NOT_ALLOWED)
      return signChannelAdmins({ secretKey: c.signingKey, publicKey: c.channelKey }, c.adminsVersion + 1, keys)
    })
    return channelView(channel)
  }

  async subscribe (link: string, options: AbortOptions = {}): Promise<ChannelView> {
    const parsed = parseChannelLink(link)
    const id = channelId(parsed.channelKey)
    const signal = this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS)
    await this.lock.run(id, async () => {
      if (await this.ctx.components.store.channels.get(id, { signal }) != null) return
      const channel: StoredChannel = {
        id, channelKey: parsed.channelKey, name: parsed.name, role: 'subscriber', ...(parsed.secret != null ? { secret: parsed.secret } : {}),
        adminsVersion: 0, head: 0, muted: false, joinedAt: this.ctx.now()
      }
      await this.ctx.components.store.channels.put(channel, { signal })
      this.transport.join(channel.channelKey, { seq: 0, adminsVersion: 0 })
    })
    await this.catchUp(id, { signal })
    return channelView(await this.require(id, { signal }))
  }

  /** Leaves a channel: stops following it and forgets its posts here. */
  async unsubscribe (ref: string, options: AbortOptions = {}): Promise<void> {
    const signal = this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS)
    await this.lock.run(ref, async () => {
      const channel = await this.require(ref, { signal })
      this.transport.leave(channel.channelKey)
      this.ledger.forget(channel.id)
      await this.ctx.components.store.channels.delete(channel.id, { signal })
    })
  }

  async mute (ref: string, muted: boolean, options: AbortOptions = {}): Promise<ChannelView> {
    const signal = this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS)
    return await this.lock.run(ref, async () => {
      const channel = { ...await this.require(ref, { signal }), muted }
      await this.ctx.components.store.channels.put(channel, { signal })
      return channelView(channel)
    })
  }

  async list (options: AbortOptions = {}): Promise<ChannelView[]> {
    return (await this.ctx.components.store.channels.list(options)).map(channelView).sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Posts after `after` (seq), oldest first; edits and deletions applied, deleted posts left out. */
  async posts (ref: string, query: { after?: number, limit?: number } = {}, options: AbortOptions = {}): Promise<ChannelPostView[]> {
    const channel = await this.require(ref, options)
    const limit = Math.max(1, Math.min(query.limit ?? 100, 500))
    const out: ChannelPostView[] = []
    let after = Math.max(0, query.after ?? 0)
    while (out.length < limit) {
      const rows = await this.ctx.components.store.channels.posts(channel.id, { after, limit }, options)
      for (const row of rows) if (row.kind === 'text' && !row.deleted && out.length < limit) out.push(postView(channel.id, row))
      if (rows.length < limit) break
      after = rows[rows.length - 1].seq
    }
    return out
  }

  /** Pulls missing posts from history peers now. */
  async catchUp (ref: string, options: AbortOptions = {}): Promise<number> {
    const signal = this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS)
    let channel = await this.require(ref, { signal })
    const pulled = await pullHistory(this.transport, await this.historyPeers({ signal }), () => channel, async (posts) => {
      channel = await this.applyLocked(channel.id, posts, { signal })
    }, this.log, { signal })
    if (this.ledger.waitingFrom(channel.id) != null) {
      await this.lock.run(channel.id, async () => {
        const current = await this.require(channel.id, { signal })
        this.announce(await this.ledger.skipGap(current, { signal }))
      })
    }
    return pulled
  }

  /** A channel by id, name or link (for the feedback feature). */
  async channel (ref: string, options: AbortOptions = {}): Promise<StoredChannel> {
    return await this.require(ref, options)
  }

  /** Runs `fn` on a channel under its lock (the ledger writes the channel and its posts under it too). */
  async update<T> (ref: string, fn: (channel: StoredChannel) => Promise<T>, options: AbortOptions = {}): Promise<T> {
    const id = (await this.require(ref, options)).id
    return await this.lock.run(id, async () => await fn(await this.require(id, options)))
  }

  /** The owner or an admin: posts a file (already sealed and deposited) with a caption. */
  async postFile (ref: string, caption: string, file: ChannelFile, options: AbortOptions = {}): Promise<ChannelPostView> {
    const { view } = await this.write(ref, { kind: PostBody.Kind.TEXT, text: caption, target: 0n, channelName: '', file }, options)
    return view
  }

  /** The owner (or an admin): publishes a TALLY post with the current counts of some posts. */
  async tally (ref: string, tallies: Tally[], options: AbortOptions = {}): Promise<void> {
    await this.write(ref, { kind: PostBody.Kind.TALLY, text: '', target: 0n, channelName: '', tallies: { tallies } }, options)
  }

  /** History peers: connected ones that announce the protocol, and this account's relays. */
  async historyPeers (options: AbortOptions): Promise<string[]> {
    const peers = new Set(await this.transport.historyPeers(options))
    for (const relay of this.relays()) {
      const id = relay.split('/p2p/').pop()
      if (id != null && id !== '' && !id.includes('/')) peers.add(id)
    }
    return [...peers]
  }

  /** A channel by id, name or link. */
  private async require (ref: string, options: AbortOptions = {}): Promise<StoredChannel> {
    const store = this.ctx.components.store.channels
    if (/^[0-9a-f]{32}$/.test(ref)) {
      const byId = await store.get(ref, options)
      if (byId != null) return byId
    }
    if (ref.startsWith('parley://')) {
      const byLink = await store.get(channelId(parseChannelLink(ref).channelKey), options)
      if (byLink != null) return byLink
    }
    const byName = (await store.list(options)).filter((c) => c.name === ref)
    if (byName.length === 1) return byName[0]
    if (byName.length > 1) throw new ParleyError(`Several channels are named ${ref}: use the id`, ErrorCode.INVALID_ARGUMENT)
    throw new ParleyError(`No channel ${ref}`, ErrorCode.CHANNEL_NOT_FOUND)
  }

  private async requirePost (ref: string, seq: number, options: AbortOptions): Promise<ChannelPostView> {
    const channel = await this.require(ref, options)
    const post = await this.ctx.components.store.channels.getPost(channel.id, seq, options)
    if (post == null || post.kind !== 'text' || post.deleted) throw new ParleyError(`No post ${seq} in ${channel.name}`, ErrorCode.NOT_FOUND)
    return postView(channel.id, post)
  }

  /** Signs the next post of a channel this device may write to, stores, publishes and hands it to history peers. */
  private async write (ref: string, body: PostBody, options: AbortOptions, admins?: (c: StoredChannel) => ChannelAdmins): Promise<{ view: ChannelPostView, channel: StoredChannel }> {
    const signal = this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS)
    const id = (await this.require(ref, { signal })).id
    const verified = await this.lock.run(id, async () => {
      const channel = await this.require(id, { signal })
      if ((channel.role !== 'owner' && channel.role !== 'admin') || channel.signingKey == null) throw new ParleyError('Only the owner and admins post in a channel', ErrorCode.CHANNEL_READ_ONLY)
      const signer = signingKeyPairFromSeed(channel.signingKey)
      const post = signChannelPost(
        { ...signer, ...(channel.role === 'admin' && channel.admins != null ? { admins: ChannelAdmins.decode(channel.admins) } : {}) },
        {
          channelKey: channel.channelKey,
          seq: channel.head + 1,
          ...(channel.headHash != null ? { prev: channel.headHash } : {}),
          body: channel.head === 0 && body.kind === PostBody.Kind.TEXT ? { ...body, channelName: channel.name } : body,
          createdAt: this.ctx.now(),
          ...(channel.secret != null ? { secret: channel.secret } : {}),
          ...(admins != null ? { admins: admins(channel) } : {})
        }
      )
      const checked = verifyChannelPost(post, channel.channelKey)
      this.announce(await this.ledger.apply(channel, [checked], { signal }))
      return checked
    })
    this.transport.advance(verified)
    await this.transport.publish(verified, { signal })
    // a post resolves once the connected history relays hold it (failures are logged, not thrown:
    // gossip already carries it, and relays reconcile)
    await this.pushToHistory(verified, signal)
    const channel = await this.require(id, { signal })
    const row = await this.ctx.components.store.channels.getPost(id, Number(verified.post.seq), { signal })
    return { view: postView(id, row ?? { seq: Number(verified.post.seq), hash: verified.hash, kind: 'text', text: body.text, target: 0, author: toHex(verified.post.author), createdAt: Number(verified.post.createdAt), edited: false, deleted: false }), channel }
  }

  /** Hands a new post to every connected history peer (relays not subscribed to the topic yet). */
  private async pushToHistory (verified: VerifiedPost, signal: AbortSignal): Promise<void> {
    try {
      for (const peer of await this.historyPeers({ signal })) {
        await this.transport.store(peer, verified.post.channelKey, [verified.bytes], { signal }).catch((err: unknown) => {
          this.log('history peer %s did not keep post %d - %e', peer, Number(verified.post.seq), err)
        })
      }
    } catch (err) {
      this.log('could not hand post %d to history peers - %e', Number(verified.post.seq), err)
    }
  }

  private async receive (verified: VerifiedPost): Promise<void> {
    const id = channelId(verified.post.channelKey)
    try {
      await this.applyLocked(id, [verified], { signal: this.ctx.signal({}, CHANNEL_OPERATION_TIMEOUT_MS) })
      if (this.ledger.waitingFrom(id) != null) await this.catchUp(id)
    } catch (err) {
      this.log.error('could not take post %d of %s - %e', Number(verified.post.seq), id, err)
    }
  }

  private async applyLocked (id: string, posts: VerifiedPost[], options: AbortOptions): Promise<StoredChannel> {
    return await this.lock.run(id, async () => {
      const channel = await this.ctx.components.store.channels.get(id, options)
      if (channel == null) throw new ParleyError(`No channel ${id}`, ErrorCode.CHANNEL_NOT_FOUND)
      const applied = await this.ledger.apply(channel, posts, options)
      for (const post of posts) if (Number(post.post.seq) <= applied.channel.head) this.transport.advance(post)
      this.announce(applied)
      return applied.channel
    })
  }

  private announce (applied: Applied): void {
    if (applied.channel.muted) return
    const view = channelView(applied.channel)
    for (const post of applied.added) this.ctx.emit('channel-post', { channel: view, post: postView(view.id, post) })
    for (const post of applied.updated) this.ctx.emit('channel-post-updated', { channel: view, post: postView(view.id, post) })
  }
}

function checkName (name: string): void {
  const bytes = new TextEncoder().encode(name).length
  if (name.trim() === '' || bytes > MAX_CHANNEL_NAME_BYTES) throw new ParleyError(`A channel name is 1..${MAX_CHANNEL_NAME_BYTES} bytes`, ErrorCode.INVALID_ARGUMENT)
}
