import type { AbortOptions, Logger } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { toHex, utf8 } from '../../bytes.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { feedbackFingerprint, openFeedback, sealFeedback } from '../../identity/channel/channel-feedback.js'
import { MAX_FEEDBACK_VIEWED, MAX_REACTION_BYTES, MAX_TALLIES_PER_POST } from '../../identity/channel/constants.js'
import { ChannelPostInvalidError } from '../../identity/channel/errors.js'
import type { ChannelFeedbackState, StoredChannel } from '../../store/channel-repo.js'
import type { Feedback, Tally } from '../../wire/channel.js'
import type { ChannelTransport } from '../components.js'
import { CHANNEL_COLLECT_MAX_PAGES, CHANNEL_FEEDBACK_SEEN_MS, CHANNEL_OPERATION_TIMEOUT_MS, CHANNEL_TALLY_INTERVAL_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import type { ChannelPostView, ChannelTallyView } from '../types.js'
import type { Channels } from './channels.js'
import { postView } from './channel-views.js'

/** What one collection round took in: sealed feedback opened, refused, and posts whose counts changed. */
export type CollectResult = ChannelTallyView

/**
 * Reactions and view counts of channel posts without telling relays who reacted or read
 * (PROTOCOL.md §13.5). A reader seals {@link Feedback} to the channel key — a per-channel
 * pseudonym, a version, a reaction and/or posts viewed — and deposits it at the relays that keep
 * the channel. The owner collects it with a signed request, opens it, keeps the latest reaction
 * per pseudonym and post, counts views, and publishes the counts in signed TALLY posts that
 * every subscriber applies to the posts they name.
 */
export class ChannelFeedback {
  private readonly log: Logger
  private timer: ReturnType<typeof setInterval> | undefined
  /** Posts whose views report is on its way, per channel (not picked twice meanwhile). */
  private readonly reporting = new Map<string, Set<number>>()

  constructor (private readonly ctx: MessengerContext, private readonly channels: Channels) {
    this.log = ctx.log('channels:feedback')
  }

  private get transport (): ChannelTransport {
    const transport = this.ctx.components.channels
    if (transport == null) throw new ParleyError('Channels are not available on this node', ErrorCode.NOT_STARTED)
    return transport
  }

  /** Owners collect and tally on a timer. */
  start (): void {
    if (this.ctx.components.channels == null) return
    this.timer = setInterval(() => { void this.collectAll() }, CHANNEL_TALLY_INTERVAL_MS)
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private async collectAll (): Promise<void> {
    try {
      for (const channel of await this.channels.list({ signal: this.ctx.shutdown })) {
        if (channel.role !== 'owner') continue
        await this.collect(channel.id, { signal: this.ctx.shutdown }).catch((err: unknown) => { this.log('collecting feedback of %s failed - %e', channel.id, err) })
      }
    } catch (err) {
      this.log('collecting feedback failed - %e', err)
    }
  }

  /** Reacts to a post with one emoji (`''` withdraws the reaction); the counts change with the owner's next tally. */
  async react (ref: string, seq: number, emoji: string, options: AbortOptions = {}): Promise<ChannelPostView> {
    if (utf8(emoji).length > MAX_REACTION_BYTES || (emoji !== '' && emoji.trim() === '')) {
      throw new ParleyError(`A reaction is one emoji (at most ${MAX_REACTION_BYTES} bytes)`, ErrorCode.INVALID_ARGUMENT)
    }
    const signal = this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS)
    const { channel, sealed } = await this.channels.update(ref, async (channel) => {
      const post = await this.ctx.components.store.channels.getPost(channel.id, seq, { signal })
      if (post == null || post.kind !== 'text' || post.deleted) throw new ParleyError(`No post ${seq} in ${channel.name}`, ErrorCode.NOT_FOUND)
      const next = nextFeedback(channel)
      const sealed = sealFeedback(channel.channelKey, { reader: next.readerTag, version: BigInt(next.feedbackVersion), target: BigInt(seq), emoji, viewed: [] })
      const { myReaction: _old, ...rest } = post
      await this.ctx.components.store.channels.putPosts(next, [emoji === '' ? rest : { ...rest, myReaction: emoji }], { signal })
      return { channel: next, sealed }
    }, { signal })
    // every history peer gets it (the owner keeps the latest version per reader and post)
    await this.deposit(channel, sealed, 'all', signal)
    const post = await this.ctx.components.store.channels.getPost(channel.id, seq, { signal })
    return postView(channel.id, post ?? (() => { throw new ParleyError(`No post ${seq}`, ErrorCode.NOT_FOUND) })())
  }

  /**
   * Reports posts as seen by this reader, once each (subscribers only: the owner's and admins'
   * own views are not counted). Returns how many were reported.
   */
  async markViewed (ref: string, seqs: number[], options: AbortOptions = {}): Promise<number> {
    const signal = this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS)
    let reported = 0
    for (let i = 0; i < seqs.length; i += MAX_FEEDBACK_VIEWED) {
      const batch = seqs.slice(i, i + MAX_FEEDBACK_VIEWED)
      // under the channel's lock only what is local: which posts, and the next version
      const picked = await this.channels.update(ref, async (channel) => {
        if (channel.role !== 'subscriber') return undefined
        const inFlight = this.reporting.get(channel.id) ?? new Set<number>()
        const chosen: number[] = []
        for (const seq of new Set(batch)) {
          const row = await this.ctx.components.store.channels.getPost(channel.id, seq, { signal })
          if (row != null && row.kind === 'text' && !row.deleted && row.viewReported !== true && !inFlight.has(seq)) chosen.push(seq)
        }
        if (chosen.length === 0) return undefined
        const next = nextFeedback(channel)
        await this.ctx.components.store.channels.put(next, { signal })
        for (const seq of chosen) inFlight.add(seq)
        this.reporting.set(channel.id, inFlight)
        const sealed = sealFeedback(channel.channelKey, { reader: next.readerTag, version: BigInt(next.feedbackVersion), target: 0n, emoji: '', viewed: chosen.map(BigInt) })
        return { channel: next, chosen, sealed, inFlight }
      }, { signal })
      if (picked == null) continue
      try {
        // the relay is asked outside the lock (posts keep arriving meanwhile); reported once: the
        // flag is set only when a relay took it
        await this.deposit(picked.channel, picked.sealed, 'one', signal)
        await this.channels.update(picked.channel.id, async (channel) => {
          const rows = []
          for (const seq of picked.chosen) {
            const row = await this.ctx.components.store.channels.getPost(channel.id, seq, { signal })
            if (row != null) rows.push({ ...row, viewReported: true })
          }
          await this.ctx.components.store.channels.putPosts(channel, rows, { signal })
        }, { signal })
        reported += picked.chosen.length
      } finally {
        for (const seq of picked.chosen) picked.inFlight.delete(seq)
      }
    }
    return reported
  }

  /** The owner: collects sealed feedback from the history peers, and publishes the changed counts. */
  async collect (ref: string, options: AbortOptions = {}): Promise<CollectResult> {
    const signal = this.ctx.signal(options, CHANNEL_OPERATION_TIMEOUT_MS)
    const channel = await this.channels.channel(ref, { signal })
    if (channel.role !== 'owner' || channel.signingKey == null) throw new ParleyError('Only the owner collects reactions and views', ErrorCode.NOT_ALLOWED)
    const seed = channel.signingKey
    const store = this.ctx.components.store.channels
    const state: ChannelFeedbackState = await store.getFeedback(channel.id, { signal }) ?? { cursors: {}, reactions: {}, views: {} }
    const changed = new Set<number>(state.pending ?? [])
    const result: CollectResult = { opened: 0, refused: 0, changed: [] }
    const seen = forgetOld(state.seen ?? {}, this.ctx.now())
    state.seen = seen
    for (const peer of await this.channels.historyPeers({ signal })) {
      try {
        for (let page = 0; page < CHANNEL_COLLECT_MAX_PAGES; page++) {
          const after = state.cursors[peer] ?? 0
          const answer = await this.transport.collectFeedback(peer, channel.channelKey, after, seed, { signal })
          for (const sealed of answer.sealed) {
            // the same box through another relay (reconciliation, a reaction left at every relay): counted once
            const fingerprint = feedbackFingerprint(sealed)
            if (seen[fingerprint] != null) continue
            let feedback: Feedback
            try {
              feedback = openFeedback(seed, channel.channelKey, sealed)
            } catch (err) {
              if (!(err instanceof ChannelPostInvalidError)) throw err
              result.refused++
              continue
            }
            result.opened++
            seen[fingerprint] = this.ctx.now()
            for (const seq of applyFeedback(state, feedback, channel.head)) changed.add(seq)
          }
          state.cursors[peer] = Math.max(after, answer.cursor)
          if (answer.sealed.length === 0 || answer.cursor <= after) break
        }
      } catch (err) {
        signal.throwIfAborted()
        this.log('collecting feedback of %s from %s failed - %e', channel.id, peer, err)
      }
    }
    result.changed = [...changed].sort((a, b) => a - b)
    await store.putFeedback(channel.id, { ...state, pending: result.changed }, { signal })
    if (result.changed.length > 0) {
      const tallies = result.changed.map((seq) => tallyOf(state, seq))
      for (let i = 0; i < tallies.length; i += MAX_TALLIES_PER_POST) await this.channels.tally(channel.id, tallies.slice(i, i + MAX_TALLIES_PER_POST), { signal })
      await store.putFeedback(channel.id, { ...state, pending: [] }, { signal })
    }
    return result
  }

  /** Hands sealed feedback to the channel's history peers: all of them, or the first that takes it. */
  private async deposit (channel: StoredChannel, sealed: Uint8Array, to: 'all' | 'one', signal: AbortSignal): Promise<void> {
    let taken = 0
    let last: unknown
    for (const peer of await this.channels.historyPeers({ signal })) {
      try {
        await this.transport.depositFeedback(peer, channel.channelKey, sealed, { signal })
        taken++
        if (to === 'one') break
      } catch (err) {
        signal.throwIfAborted()
        last = err
        this.log('history peer %s did not take feedback for %s - %e', peer, channel.id, err)
      }
    }
    if (taken === 0) {
      throw new ParleyError('No relay that keeps this channel took the feedback', last instanceof ParleyError ? last.code : ErrorCode.CHANNEL_NOT_KEPT)
    }
  }
}

/** The channel with a reader pseudonym and the next feedback version. */
function nextFeedback (channel: StoredChannel): StoredChannel & { readerTag: Uint8Array, feedbackVersion: number } {
  return { ...channel, readerTag: channel.readerTag ?? randomBytes(16), feedbackVersion: (channel.feedbackVersion ?? 0) + 1 }
}

/** Applies one opened feedback to the owner's state; returns the posts whose counts changed. */
export function applyFeedback (state: ChannelFeedbackState, feedback: Feedback, head: number): number[] {
  const changed: number[] = []
  const reader = toHex(feedback.reader)
  const target = Number(feedback.target)
  if (target > 0 && target <= head) {
    const mine = state.reactions[reader] ?? {}
    const version = Number(feedback.version)
    const current = mine[target]
    if (current == null || version > current.version) {
      if (feedback.emoji === '') delete mine[target]
      else mine[target] = { emoji: feedback.emoji, version }
      state.reactions[reader] = mine
      if (current?.emoji !== (feedback.emoji === '' ? undefined : feedback.emoji)) changed.push(target)
    }
  }
  for (const v of new Set(feedback.viewed)) {
    const seq = Number(v)
    if (seq < 1 || seq > head) continue
    state.views[seq] = (state.views[seq] ?? 0) + 1
    changed.push(seq)
  }
  return changed
}

/** The fingerprints seen more recently than any relay holds a box (`CHANNEL_FEEDBACK_SEEN_MS`). */
export function forgetOld (seen: Record<string, number>, now: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [fingerprint, at] of Object.entries(seen)) if (at > now - CHANNEL_FEEDBACK_SEEN_MS) out[fingerprint] = at
  return out
}

/** The current counts of one post. */
export function tallyOf (state: ChannelFeedbackState, seq: number): Tally {
  const counts = new Map<string, number>()
  for (const mine of Object.values(state.reactions)) {
    const reaction = mine[seq]
    if (reaction != null) counts.set(reaction.emoji, (counts.get(reaction.emoji) ?? 0) + 1)
  }
  return { target: BigInt(seq), reactions: [...counts].map(([emoji, count]) => ({ emoji, count })), views: BigInt(state.views[seq] ?? 0) }
}
