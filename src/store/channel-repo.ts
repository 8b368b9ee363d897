import { concatBytes, u64 } from '../bytes.js'
import { DOMAIN, PREFIX, prefixRange, tagKey } from './keys.js'
import { asStored, type RepoContext } from './repo-context.js'
import type { StoreOptions } from './types.js'

/** A broadcast channel this account owns, administers or follows. */
export interface StoredChannel {
  /** `channelId(channelKey)`: 32 hex characters. */
  id: string
  channelKey: Uint8Array
  name: string
  role: 'owner' | 'admin' | 'subscriber'
  /** Owner, admins and would-be admins: the Ed25519 seed posts are signed with, and its public key. */
  signingKey?: Uint8Array
  signingKeyPublic?: Uint8Array
  /** Private channels: the key posts are sealed under (from the subscription link). */
  secret?: Uint8Array
  /** The newest admin list seen (encoded ChannelAdmins), and its version. */
  admins?: Uint8Array
  adminsVersion: number
  /** Newest post held without a gap before it, and its hash. */
  head: number
  headHash?: Uint8Array
  muted: boolean
  joinedAt: number
  /** Readers: this account's pseudonym in the channel's sealed feedback (16 random bytes), and its last version. */
  readerTag?: Uint8Array
  feedbackVersion?: number
}

/** What an owner aggregated of its channel's sealed feedback (PROTOCOL.md §13.5). */
export interface ChannelFeedbackState {
  /** Per history peer: the cursor to collect after. */
  cursors: Record<string, number>
  /** Per reader pseudonym (hex) and post: the reaction and the feedback version it came in. */
  reactions: Record<string, Record<number, { emoji: string, version: number }>>
  /** Per post: views reported. */
  views: Record<number, number>
  /** Posts whose counts changed and are not yet published in a TALLY post. */
  pending?: number[]
  /**
   * Boxes already counted, by fingerprint (first 16 bytes of SHA-256, hex) → when first seen (ms):
   * the same box reaches the owner through every relay that holds it. Forgotten once no relay
   * can hold it any longer (PROTOCOL.md §13.7).
   */
  seen?: Record<string, number>
}

/** One post of a channel as the reader sees it (edits and deletions applied). */
export interface StoredChannelPost {
  seq: number
  hash: Uint8Array
  kind: 'text' | 'edit' | 'delete' | 'admins' | 'tally'
  text: string
  /** Edits and deletions: the post they change. */
  target: number
  /** hex of the signing key. */
  author: string
  createdAt: number
  edited: boolean
  deleted: boolean
  /** The owner's latest tally: reactions by emoji, and views. */
  reactions?: Record<string, number>
  views?: number
  /** This reader's own reaction, and whether its view was reported. */
  myReaction?: string
  viewReported?: boolean
  /** A file or voice note (the chat announcement's fields), the relays holding its blob, and its state here. */
  file?: ChannelPostFile
}

/** A post's file as a device keeps it (hex and base64 like a chat attachment). */
export interface ChannelPostFile {
  key: string
  digest: string
  size: number
  sha256: string
  name: string
  mime: string
  durationMs?: number
  waveform?: number[]
  thumbnail?: string
  width?: number
  height?: number
  state: 'pending' | 'downloading' | 'complete' | 'failed'
  error?: string
  sources: string[]
}

/**
 * Channels and their posts, keyed by a keyed tag of the channel id (the database does not show
 * which channels an account follows).
 *
 * @example
 * ```ts
 * await store.channels.put(channel)
 * const page = await store.channels.posts(channel.id, { after: 0, limit: 100 })
 * ```
 */
export class ChannelRepo {
  constructor (private readonly ctx: RepoContext) {}

  private async tag (id: string): Promise<Uint8Array> {
    return (await tagKey(new Uint8Array(0), this.ctx.skv.cipher, DOMAIN.channel, id))
  }

  async get (id: string, options: StoreOptions = {}): Promise<StoredChannel | undefined> {
    options.signal?.throwIfAborted()
    return await this.ctx.read(concatBytes(PREFIX.channel, await this.tag(id))) as StoredChannel | undefined
  }

  async put (channel: StoredChannel, options: StoreOptions = {}): Promise<void> {
    const key = concatBytes(PREFIX.channel, await this.tag(channel.id))
    await this.ctx.write(async (s) => { s.put(key, asStored({ ...channel })) }, options.signal)
  }

  /** Every channel held (a few hundred at most per account). */
  async list (options: StoreOptions = {}): Promise<StoredChannel[]> {
    const out: StoredChannel[] = []
    for (const row of await this.ctx.skv.page(prefixRange(PREFIX.channel), options.signal)) {
      if (row.error === undefined) out.push(row.value as unknown as StoredChannel)
    }
    return out
  }

  /** Removes a channel and all its posts. */
  async delete (id: string, options: StoreOptions = {}): Promise<void> {
    const tag = await this.tag(id)
    const rows = await this.ctx.skv.page(prefixRange(concatBytes(PREFIX.channelPost, tag)), options.signal)
    await this.ctx.write(async (s) => {
      s.del(concatBytes(PREFIX.channel, tag))
      s.del(concatBytes(PREFIX.channelFeedback, tag))
      for (const row of rows) s.del(row.key)
    }, options.signal)
  }

  async getPost (id: string, seq: number, options: StoreOptions = {}): Promise<StoredChannelPost | undefined> {
    options.signal?.throwIfAborted()
    return await this.ctx.read(concatBytes(PREFIX.channelPost, await this.tag(id), u64(seq))) as StoredChannelPost | undefined
  }

  /** Writes posts and the channel in one batch. */
  async putPosts (channel: StoredChannel, posts: StoredChannelPost[], options: StoreOptions = {}): Promise<void> {
    const tag = await this.tag(channel.id)
    await this.ctx.write(async (s) => {
      for (const post of posts) s.put(concatBytes(PREFIX.channelPost, tag, u64(post.seq)), asStored({ ...post }))
      s.put(concatBytes(PREFIX.channel, tag), asStored({ ...channel }))
    }, options.signal)
  }

  async getFeedback (id: string, options: StoreOptions = {}): Promise<ChannelFeedbackState | undefined> {
    options.signal?.throwIfAborted()
    return await this.ctx.read(concatBytes(PREFIX.channelFeedback, await this.tag(id))) as ChannelFeedbackState | undefined
  }

  async putFeedback (id: string, state: ChannelFeedbackState, options: StoreOptions = {}): Promise<void> {
    const key = concatBytes(PREFIX.channelFeedback, await this.tag(id))
    await this.ctx.write(async (s) => { s.put(key, asStored({ ...state })) }, options.signal)
  }

  /** Posts with seq > `after`, ascending, at most `limit`. */
  async posts (id: string, query: { after?: number, limit?: number } = {}, options: StoreOptions = {}): Promise<StoredChannelPost[]> {
    const tag = await this.tag(id)
    const range = prefixRange(concatBytes(PREFIX.channelPost, tag))
    const rows = await this.ctx.skv.page({ gt: concatBytes(PREFIX.channelPost, tag, u64(query.after ?? 0)), lt: range.lt, limit: query.limit ?? 100 }, options.signal)
    return rows.filter((r) => r.error === undefined).map((r) => r.value as unknown as StoredChannelPost)
  }
}
