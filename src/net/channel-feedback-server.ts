import type { AbortOptions, Connection } from '@libp2p/interface'
import { ErrorCode, ParleyError } from '../errors.js'
import { verifyCollect } from '../identity/channel/channel-feedback.js'
import type { HistoryRequest, HistoryResponse } from '../wire/channel.js'
import { HistoryRequest as Request } from '../wire/channel.js'
import type { FeedbackInbox } from './channel-feedback-inbox.js'
import type { ChannelHistoryBackend } from './channel-history.js'
import { FEEDBACK_COLLECT_SKEW_MS, MAX_FEEDBACK_COLLECT } from './constants.js'
import { addressKeys } from './remote-address.js'

/**
 * FEEDBACK, COLLECT and SYNC of `/parley/channel-history/1.0.0` (PROTOCOL.md §13.7): a reader
 * deposits sealed feedback for a channel this relay keeps; the channel's owner, proving it holds
 * the channel key with a fresh signature, collects it by cursor; another relay that keeps the
 * channel pulls it by cursor (SYNC: the boxes are sealed to the owner, so any peer may; only for
 * a channel this relay keeps).
 */
export async function answerFeedback (
  request: HistoryRequest,
  ctx: { inbox: FeedbackInbox, backend: ChannelHistoryBackend, from: Connection, now?: () => number },
  options: AbortOptions
): Promise<HistoryResponse> {
  const ok = { posts: [], head: 0n, stored: 0, errorCode: '', errorMessage: '' }
  if (request.kind === Request.Kind.FEEDBACK) {
    if (request.sealed == null) throw new ParleyError('No sealed feedback', ErrorCode.MALFORMED_REQUEST)
    // only for channels this relay keeps (and has posts of: there is nothing to react to otherwise)
    const page = await ctx.backend.query(request.channelKey, { after: Number.MAX_SAFE_INTEGER, limit: 1 }, options)
    if (page.head === 0) throw new ParleyError('Channel not kept here', ErrorCode.CHANNEL_NOT_KEPT)
    const address = addressKeys(ctx.from.remoteAddr)?.address
    await ctx.inbox.deposit(request.channelKey, request.sealed, { peer: ctx.from.remotePeer.toString(), ...(address != null ? { address } : {}) }, options)
    return { ...ok, stored: 1 }
  }
  if (request.kind === Request.Kind.SYNC) {
    // answers for kept channels only (a relay that does not keep it says so)
    await ctx.backend.query(request.channelKey, { after: Number.MAX_SAFE_INTEGER, limit: 1 }, options)
    const page = await ctx.inbox.collect(request.channelKey, Number(request.after), request.limit === 0 ? MAX_FEEDBACK_COLLECT : request.limit, options)
    return { ...ok, feedback: { sealed: page.sealed, cursor: BigInt(page.cursor) } }
  }
  const at = Number(request.at ?? 0n)
  const after = Number(request.after)
  if (Math.abs((ctx.now ?? Date.now)() - at) > FEEDBACK_COLLECT_SKEW_MS) throw new ParleyError('Collect request too old or too new', ErrorCode.NOT_ALLOWED)
  if (!verifyCollect(request.channelKey, after, at, request.signature ?? new Uint8Array(0))) throw new ParleyError('Only the channel owner collects feedback', ErrorCode.NOT_ALLOWED)
  const page = await ctx.inbox.collect(request.channelKey, after, request.limit === 0 ? MAX_FEEDBACK_COLLECT : request.limit, options)
  return { ...ok, feedback: { sealed: page.sealed, cursor: BigInt(page.cursor) } }
}
