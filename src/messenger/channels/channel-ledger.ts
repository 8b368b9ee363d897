import type { Logger } from '@libp2p/interface'
import { equalBytes, toHex } from '../../bytes.js'
import { readPostBody, type VerifiedPost } from '../../identity/channel/channel-post.js'
import { ChannelPostInvalidError } from '../../identity/channel/errors.js'
import type { StoredChannel, StoredChannelPost } from '../../store/channel-repo.js'
import type { Store } from '../../store/store.js'
import { validateAnnouncement } from '../../crypto/attachment/announcement.js'
import { ChannelAdmins, PostBody } from '../../wire/channel.js'
import { Attachment } from '../../wire/content.js'
import { storedOf } from '../attachments/attachments.js'

/** Posts held above a gap, per channel, waiting for the gap to be filled. */
const MAX_PENDING = 1000

/** What applying posts changed: new posts in channel order, edited or deleted ones. */
export interface Applied {
  channel: StoredChannel
  added: StoredChannelPost[]
  updated: StoredChannelPost[]
  /** Posts are waiting above a gap (pull history). */
  gap: boolean
}

const KIND: Record<PostBody.Kind, StoredChannelPost['kind']> = {
  [PostBody.Kind.TEXT]: 'text',
  [PostBody.Kind.EDIT]: 'edit',
  [PostBody.Kind.DELETE]: 'delete',
  [PostBody.Kind.ADMINS]: 'admins',
  [PostBody.Kind.TALLY]: 'tally'
}

/**
 * A device's copy of its channels' chains: posts are taken in seq order only, each one naming
 * the hash of the one before (a post that does not is dropped: inserted or rewritten); posts
 * past a gap wait here until history fills it. Edits and deletions change their target; an
 * ADMINS post replaces the admin list (versions only grow; posts by admins of an older list are
 * refused).
 */
export class ChannelLedger {
  private readonly pending = new Map<string, Map<number, VerifiedPost>>()

  constructor (private readonly store: Store, private readonly log: Logger) {}

  /** Applies verified posts (any order) to `channel`; the caller holds the channel's lock. */
  async apply (channel: StoredChannel, incoming: VerifiedPost[], options: { signal?: AbortSignal } = {}): Promise<Applied> {
    const waiting = this.pending.get(channel.id) ?? new Map<number, VerifiedPost>()
    for (const v of incoming) {
      const seq = Number(v.post.seq)
      if (seq <= channel.head || waiting.size >= MAX_PENDING) continue
      if (v.adminsVersion !== 0 && v.adminsVersion < channel.adminsVersion) continue
      waiting.set(seq, v)
    }
    let next = { ...channel }
    const added: StoredChannelPost[] = []
    const touched = new Map<number, StoredChannelPost>()
    // a new subscriber starts at the oldest post it was given
    if (next.head === 0 && next.headHash == null && waiting.size > 0 && !waiting.has(1)) {
      const first = Math.min(...waiting.keys())
      next.head = first - 1
      next.headHash = (waiting.get(first) as VerifiedPost).post.prev
    }
    for (let v = waiting.get(next.head + 1); v != null; v = waiting.get(next.head + 1)) {
      const seq = next.head + 1
      waiting.delete(seq)
      if (next.headHash != null && next.head > 0 && !equalBytes(v.post.prev, next.headHash)) {
        this.log('dropped post %d of %s: not the successor of post %d', seq, channel.id, next.head)
        continue
      }
      let body: PostBody
      try {
        body = readPostBody(v, next.secret)
      } catch (err) {
        if (!(err instanceof ChannelPostInvalidError)) throw err
        body = { kind: PostBody.Kind.TEXT, text: '', target: 0n, channelName: '' }
        this.log('post %d of %s unreadable (%s)', seq, channel.id, err.fault)
      }
      const row: StoredChannelPost = {
        seq, hash: v.hash, kind: KIND[body.kind] ?? 'text', text: body.kind === PostBody.Kind.TEXT ? body.text : '',
        target: Number(body.target), author: toHex(v.post.author), createdAt: Number(v.post.createdAt), edited: false, deleted: false
      }
      next = { ...next, head: seq, headHash: v.hash }
      if (v.post.admins != null && Number(v.post.admins.version) > next.adminsVersion) {
        next.admins = ChannelAdmins.encode(v.post.admins)
        next.adminsVersion = Number(v.post.admins.version)
        if (next.role === 'subscriber' && next.signingKey != null && v.post.admins.admins.some((a) => equalBytes(a, next.signingKeyPublic ?? new Uint8Array(0)))) next.role = 'admin'
        if (next.role === 'admin' && next.signingKeyPublic != null && !v.post.admins.admins.some((a) => equalBytes(a, next.signingKeyPublic as Uint8Array))) next.role = 'subscriber'
      }
      if (body.kind === PostBody.Kind.TEXT) {
        if (body.file != null) {
          try {
            const a = Attachment.decode(body.file.attachment)
            validateAnnouncement(a)
            row.file = { ...storedOf(a), state: 'pending', sources: body.file.sources }
          } catch (err) {
            this.log('file of post %d of %s refused - %e', seq, channel.id, err)
          }
        }
        if (body.channelName !== '') next.name = body.channelName
        added.push(row)
      } else if (body.kind === PostBody.Kind.EDIT || body.kind === PostBody.Kind.DELETE) {
        const target = touched.get(row.target) ?? added.find((p) => p.seq === row.target) ?? await this.store.channels.getPost(channel.id, row.target, options)
        if (target != null && target.kind === 'text' && !target.deleted) {
          if (body.kind === PostBody.Kind.EDIT) { target.text = body.text; target.edited = true } else { target.text = ''; target.deleted = true }
          if (!added.includes(target)) touched.set(target.seq, target)
        }
      } else if (body.kind === PostBody.Kind.TALLY) {
        for (const tally of body.tallies?.tallies ?? []) {
          const seqOf = Number(tally.target)
          const target = touched.get(seqOf) ?? added.find((p) => p.seq === seqOf) ?? await this.store.channels.getPost(channel.id, seqOf, options)
          if (target == null || target.kind !== 'text') continue
          target.reactions = Object.fromEntries(tally.reactions.filter((r) => r.count > 0).map((r) => [r.emoji, r.count]))
          target.views = Number(tally.views)
          if (!added.includes(target)) touched.set(target.seq, target)
        }
      }
      touched.set(seq, row)
    }
    if (waiting.size > 0) this.pending.set(channel.id, waiting)
    else this.pending.delete(channel.id)
    const rows = [...touched.values()]
    if (rows.length > 0 || next.head !== channel.head) await this.store.channels.putPosts(next, rows, options)
    const updated = rows.filter((r) => r.kind === 'text' && !added.includes(r))
    return { channel: next, added, updated, gap: waiting.size > 0 }
  }

  /** The lowest seq waiting above a gap, if any. */
  waitingFrom (channelId: string): number | undefined {
    const waiting = this.pending.get(channelId)
    return waiting == null || waiting.size === 0 ? undefined : Math.min(...waiting.keys())
  }

  /** No peer has the missing posts: continue from the posts waiting above the gap. */
  async skipGap (channel: StoredChannel, options: { signal?: AbortSignal } = {}): Promise<Applied> {
    const from = this.waitingFrom(channel.id)
    if (from == null) return { channel, added: [], updated: [], gap: false }
    const first = this.pending.get(channel.id)?.get(from) as VerifiedPost
    this.log('posts %d..%d of %s are nowhere to be had: skipped', channel.head + 1, from - 1, channel.id)
    return await this.apply({ ...channel, head: from - 1, headHash: first.post.prev }, [], options)
  }

  forget (channelId: string): void {
    this.pending.delete(channelId)
  }
}
