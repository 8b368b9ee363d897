/**
 * The server side of `/parley/channel-history/1.0.0` (PROTOCOL.md §13), which only relays that
 * keep channel history run: kept apart from the client (`channel-history.ts`) so that the
 * channels service a device runs (in a browser, its lazy chunk) does not carry it. A relay makes
 * its channels service with {@link createServingChannelGossip}.
 */
import type { ComponentLogger, Connection, Logger, Stream } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'
import { ErrorCode, ParleyError } from '../errors.js'
import { HistoryRequest, HistoryResponse } from '../wire/channel.js'
import { CHANNEL_HISTORY_PROTOCOL, type ChannelHistoryBackend } from './channel-history.js'
import { ChannelGossip } from './channel-gossip.js'
import type { ChannelGossipFactory } from './channels.js'
import {
  DEFAULT_CHANNEL_HISTORY_MAX_INBOUND_STREAMS, DEFAULT_CHANNEL_HISTORY_RATE, DEFAULT_CHANNEL_HISTORY_TIMEOUT_MS,
  MAX_CHANNEL_HISTORY_FRAME_BYTES, MAX_CHANNEL_QUERY_POSTS, MAX_CHANNEL_STORE_POSTS, STREAM_CLOSE_TIMEOUT_MS
} from './constants.js'
import { RateLimiter, type RateLimit } from './rate-limiter.js'
import { ChannelFeedbackInbox, type FeedbackInbox } from './channel-feedback-inbox.js'
import { answerFeedback } from './channel-feedback-server.js'
import { FrameReader, encodeFrame, writeWithBackpressure } from './stream/frame-reader.js'

export interface ChannelHistoryServerInit {
  backend: ChannelHistoryBackend
  rate?: RateLimit
  maxInboundStreams?: number
  /** Sealed reader feedback held for owners (default: the backend's, else in memory with default limits). */
  feedback?: FeedbackInbox
}

/** Serves `/parley/channel-history/1.0.0` from a backend: bounded frames, a per-peer rate, typed refusals. */
export class ChannelHistoryServer {
  private readonly log: Logger
  private readonly limiter: RateLimiter
  private started = false
  readonly feedback: FeedbackInbox

  constructor (private readonly registrar: Registrar, logger: ComponentLogger, private readonly init: ChannelHistoryServerInit) {
    this.log = logger.forComponent('parley:channel-history:server')
    this.limiter = new RateLimiter(init.rate ?? DEFAULT_CHANNEL_HISTORY_RATE)
    this.feedback = init.feedback ?? init.backend.feedback ?? new ChannelFeedbackInbox()
  }

  async start (): Promise<void> {
    this.started = true
    await this.registrar.handle(CHANNEL_HISTORY_PROTOCOL, (stream, connection) => { void this.serve(stream, connection) }, {
      runOnLimitedConnection: false,
      maxInboundStreams: this.init.maxInboundStreams ?? DEFAULT_CHANNEL_HISTORY_MAX_INBOUND_STREAMS
    })
  }

  async stop (): Promise<void> {
    this.started = false
    await this.registrar.unhandle(CHANNEL_HISTORY_PROTOCOL)
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer
    let response: HistoryResponse
    try {
      if (!this.limiter.take(from.toString())) throw new ParleyError('Too many channel history requests', ErrorCode.RATE_LIMITED)
      const reader = new FrameReader(stream, { maxFrameBytes: MAX_CHANNEL_HISTORY_FRAME_BYTES })
      const frame = await reader.next({ idleTimeoutMs: DEFAULT_CHANNEL_HISTORY_TIMEOUT_MS })
      if (frame == null) return
      response = await this.answer(frame, connection)
    } catch (err) {
      const code = err instanceof ParleyError ? err.code : ErrorCode.INTERNAL
      if (!(err instanceof ParleyError)) this.log.error('channel history request from %p failed - %e', from, err)
      else this.log.trace('channel history request from %p refused - %s', from, code)
      response = { posts: [], head: 0n, stored: 0, errorCode: code, errorMessage: err instanceof ParleyError ? err.message : 'Internal error' }
    }
    try {
      if (!this.started || stream.status !== 'open') return
      await writeWithBackpressure(stream, encodeFrame(HistoryResponse.encode(response)), { timeoutMs: DEFAULT_CHANNEL_HISTORY_TIMEOUT_MS })
      await stream.close({ signal: AbortSignal.timeout(STREAM_CLOSE_TIMEOUT_MS) })
    } catch (err) {
      this.log.trace('channel history answer to %p not delivered - %e', from, err)
      stream.abort(err as Error)
    }
  }

  private async answer (frame: Uint8Array, connection: Connection): Promise<HistoryResponse> {
    const from = connection.remotePeer
    let request: HistoryRequest
    try {
      request = HistoryRequest.decode(frame, { limits: { posts: MAX_CHANNEL_STORE_POSTS } })
    } catch {
      throw new ParleyError('Malformed channel history request', ErrorCode.MALFORMED_REQUEST)
    }
    if (request.channelKey.length !== 32) throw new ParleyError('Bad channel key', ErrorCode.MALFORMED_REQUEST)
    const signal = AbortSignal.timeout(DEFAULT_CHANNEL_HISTORY_TIMEOUT_MS)
    if (request.kind === HistoryRequest.Kind.FEEDBACK || request.kind === HistoryRequest.Kind.COLLECT || request.kind === HistoryRequest.Kind.SYNC) {
      return await answerFeedback(request, { inbox: this.feedback, backend: this.init.backend, from: connection }, { signal })
    }
    if (request.kind === HistoryRequest.Kind.STORE) {
      const stored = await this.init.backend.store(request.channelKey, request.posts, from, { signal })
      return { posts: [], head: 0n, stored, errorCode: '', errorMessage: '' }
    }
    const limit = Math.max(1, Math.min(request.limit === 0 ? MAX_CHANNEL_QUERY_POSTS : request.limit, MAX_CHANNEL_QUERY_POSTS))
    const page = await this.init.backend.query(request.channelKey, { after: Number(request.after), limit, latest: request.latest }, { signal })
    // the answer must fit one frame: drop the newest posts that do not (the caller asks again)
    const posts: Uint8Array[] = []
    let bytes = 64
    for (const post of page.posts.slice(0, limit)) {
      bytes += post.length + 4
      if (bytes > MAX_CHANNEL_HISTORY_FRAME_BYTES) break
      posts.push(post)
    }
    return { posts, head: BigInt(page.head), stored: 0, errorCode: '', errorMessage: '' }
  }
}

/**
 * The {@link ChannelGossipFactory} of a node that serves channel history (relays): the channels
 * service with the `/parley/channel-history` server over `init.history`.
 */
export const createServingChannelGossip: ChannelGossipFactory = (components, init) =>
  new ChannelGossip(components, init, (backend) => new ChannelHistoryServer(components.registrar, components.logger, { backend }))
