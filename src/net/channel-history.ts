import type { AbortOptions, ComponentLogger, Connection, Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'
import { ErrorCode, ParleyError } from '../errors.js'
import { HistoryRequest, HistoryResponse } from '../wire/channel.js'
import {
  DEFAULT_CHANNEL_HISTORY_MAX_INBOUND_STREAMS, DEFAULT_CHANNEL_HISTORY_RATE, DEFAULT_CHANNEL_HISTORY_TIMEOUT_MS,
  MAX_CHANNEL_HISTORY_FRAME_BYTES, MAX_CHANNEL_QUERY_POSTS, MAX_CHANNEL_STORE_POSTS, STREAM_CLOSE_TIMEOUT_MS
} from './constants.js'
import { RateLimiter, type RateLimit } from './rate-limiter.js'
import { FrameReader, encodeFrame, writeWithBackpressure } from './stream/frame-reader.js'

/** `/parley/channel-history/1.0.0`: cursor queries and stores of channel posts (PROTOCOL.md §13). */
export const CHANNEL_HISTORY_PROTOCOL = '/parley/channel-history/1.0.0'

/** A cursor query: posts after `after` (ascending), or with `latest` the newest `limit`. */
export interface HistoryQuery {
  after: number
  limit: number
  latest?: boolean
}

/** What a history peer answered. */
export interface HistoryPage {
  posts: Uint8Array[]
  /** The highest seq the peer holds. */
  head: number
}

/** Where a relay keeps channel history (`relay/channel-history/`): validates what it stores. */
export interface ChannelHistoryBackend {
  query: (channelKey: Uint8Array, query: HistoryQuery, options?: AbortOptions) => Promise<HistoryPage>
  /** Keeps the valid posts among `posts`; returns how many were new. Throws a ParleyError to refuse. */
  store: (channelKey: Uint8Array, posts: Uint8Array[], from: PeerId, options?: AbortOptions) => Promise<number>
}

/** A refusal from a history peer, with the code it gave. */
export class ChannelHistoryRefusedError extends ParleyError {
  static override name = 'ChannelHistoryRefusedError'
}

export interface ChannelHistoryServerInit {
  backend: ChannelHistoryBackend
  rate?: RateLimit
  maxInboundStreams?: number
}

/** Serves `/parley/channel-history/1.0.0` from a backend: bounded frames, a per-peer rate, typed refusals. */
export class ChannelHistoryServer {
  private readonly log: Logger
  private readonly limiter: RateLimiter
  private started = false

  constructor (private readonly registrar: Registrar, logger: ComponentLogger, private readonly init: ChannelHistoryServerInit) {
    this.log = logger.forComponent('parley:channel-history:server')
    this.limiter = new RateLimiter(init.rate ?? DEFAULT_CHANNEL_HISTORY_RATE)
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
      response = await this.answer(frame, from)
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

  private async answer (frame: Uint8Array, from: PeerId): Promise<HistoryResponse> {
    let request: HistoryRequest
    try {
      request = HistoryRequest.decode(frame, { limits: { posts: MAX_CHANNEL_STORE_POSTS } })
    } catch {
      throw new ParleyError('Malformed channel history request', ErrorCode.MALFORMED_REQUEST)
    }
    if (request.channelKey.length !== 32) throw new ParleyError('Bad channel key', ErrorCode.MALFORMED_REQUEST)
    const signal = AbortSignal.timeout(DEFAULT_CHANNEL_HISTORY_TIMEOUT_MS)
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

/** Dials what the client needs: libp2p's connection manager. */
export type HistoryDialer = Pick<Libp2p, 'dialProtocol'>

/** One request over `/parley/channel-history/1.0.0` to `peer`, one answer back. */
export async function historyRequest (dialer: HistoryDialer, peer: PeerId, request: HistoryRequest, options: AbortOptions = {}): Promise<HistoryResponse> {
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_CHANNEL_HISTORY_TIMEOUT_MS)
  const stream = await dialer.dialProtocol(peer, CHANNEL_HISTORY_PROTOCOL, { signal, runOnLimitedConnection: false })
  try {
    await writeWithBackpressure(stream, encodeFrame(HistoryRequest.encode(request)), { signal })
    const reader = new FrameReader(stream, { maxFrameBytes: MAX_CHANNEL_HISTORY_FRAME_BYTES })
    const frame = await reader.next({ signal })
    if (frame == null) throw new ChannelHistoryRefusedError('History peer closed the stream', ErrorCode.STREAM_CLOSED)
    let response: HistoryResponse
    try {
      response = HistoryResponse.decode(frame, { limits: { posts: MAX_CHANNEL_QUERY_POSTS } })
    } catch {
      throw new ChannelHistoryRefusedError('Malformed channel history response', ErrorCode.MALFORMED_MESSAGE)
    }
    if (response.errorCode !== '') throw new ChannelHistoryRefusedError(`History peer refused: ${response.errorMessage}`, response.errorCode)
    await stream.close({ signal: AbortSignal.timeout(STREAM_CLOSE_TIMEOUT_MS) }).catch(() => { stream.abort(new Error('close timed out')) })
    return response
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
