import { MalformedFrameError } from '../../../net/errors.js'
import { DEFAULT_FETCH_PAGE, MAX_FETCH_PAGE, MAX_FETCH_PAGE_BYTES } from '../../constants.js'
import { ownerOf } from './owner.js'
import type { MailboxHandler } from './types.js'

const CURSOR_RE = /^[0-9a-f]{16}$/

/** One page of the owner's mailbox after a cursor. */
export const fetchHandler: MailboxHandler<'fetch'> = {
  ownerRate: true,
  ownerOnly: true,
  async handle (ctx, session, fetch, options) {
    const owner = ownerOf(session)
    const cursor = new TextDecoder().decode(fetch.cursor)
    if (cursor !== '' && !CURSOR_RE.test(cursor)) throw new MalformedFrameError('Bad cursor')
    const limit = Math.max(1, Math.min(fetch.limit === 0 ? DEFAULT_FETCH_PAGE : fetch.limit, MAX_FETCH_PAGE))
    const page = await ctx.store.fetch(owner.mailbox, cursor, limit, MAX_FETCH_PAGE_BYTES, ctx.now(), options)
    ctx.metrics.inc('parley_relay_fetches_total')
    ctx.metrics.inc('parley_relay_fetched_envelopes_total', {}, page.envelopes.length)
    return { page: { envelopes: page.envelopes, cursor: new TextEncoder().encode(page.cursor), more: page.more } }
  }
}
