import type { AbortOptions, Libp2p, PeerId } from '@libp2p/interface'
import { ErrorCode, ParleyError } from '../errors.js'
import type { FeedbackInbox } from './channel-feedback-inbox.js'
import { HistoryRequest, HistoryResponse } from '../wire/channel.js'
import { DEFAULT_CHANNEL_HISTORY_TIMEOUT_MS, MAX_CHANNEL_HISTORY_FRAME_BYTES, MAX_CHANNEL_QUERY_POSTS, MAX_FEEDBACK_COLLECT, STREAM_CLOSE_TIMEOUT_MS } from './constants.js'
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

/** Sealed reader feedback a history peer answered to COLLECT, and the cursor to ask after next. */
export interface FeedbackPage {
  sealed: Uint8Array[]
  cursor: number
}

/** Where a relay keeps channel history (`relay/channel-history/`): validates what it stores. */
export interface ChannelHistoryBackend {
  query: (channelKey: Uint8Array, query: HistoryQuery, options?: AbortOptions) => Promise<HistoryPage>
  /** Keeps the valid posts among `posts`; returns how many were new. Throws a ParleyError to refuse. */
  store: (channelKey: Uint8Array, posts: Uint8Array[], from: PeerId, options?: AbortOptions) => Promise<number>
  /** Where sealed reader feedback is held (PROTOCOL.md §13.7); absent: in the server's memory. */
  feedback?: FeedbackInbox
}

/** A refusal from a history peer, with the code it gave. */
export class ChannelHistoryRefusedError extends ParleyError {
  static override name = 'ChannelHistoryRefusedError'
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
      response = HistoryResponse.decode(frame, { limits: { posts: MAX_CHANNEL_QUERY_POSTS, feedback: { sealed: MAX_FEEDBACK_COLLECT } } })
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
