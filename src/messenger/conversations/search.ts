import type { AbortOptions } from '@libp2p/interface'
import type { Conversation, Store } from '../../store/index.js'
import { MAX_SEARCH_QUERY_LENGTH, MAX_SEARCH_RESULTS, MAX_SEARCH_SCANNED } from '../constants.js'
import { InvalidArgumentError } from '../errors.js'
import type { ConversationId, SearchResult } from '../types.js'
import { decodeBody, toView } from './message-body.js'

/** Messages read from the store per page while searching. */
const SCAN_PAGE = 200

export interface SearchOptions extends AbortOptions {
  /** Only this conversation. */
  conversationId?: ConversationId
  /** At most this many hits (1 – 200). @default 50 */
  limit?: number
}

/**
 * Searches the local history for `query` (case- and accent-insensitive substring of a message's
 * text). The store is encrypted at rest and keeps no index: pages of messages are decrypted and
 * matched in memory, newest conversations first, newest messages first, and nothing is written.
 * Bounded: at most `limit` hits and {@link MAX_SEARCH_SCANNED} messages read per search
 * (`complete: false` when it stopped early).
 */
export async function searchMessages (store: Store, titleOf: (conversation: Conversation) => Promise<string>, query: string, options: SearchOptions = {}): Promise<SearchResult> {
  const needle = fold(query.trim())
  if (needle.length === 0 || query.length > MAX_SEARCH_QUERY_LENGTH) throw new InvalidArgumentError(`Search text must be 1 to ${MAX_SEARCH_QUERY_LENGTH} characters`)
  const limit = options.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_RESULTS) throw new InvalidArgumentError(`limit must be 1 to ${MAX_SEARCH_RESULTS}`)
  const hits: SearchResult['hits'] = []
  let scanned = 0
  for await (const conversation of conversationsOf(store, options)) {
    let title: string | undefined
    let cursor: string | undefined
    do {
      options.signal?.throwIfAborted()
      if (scanned >= MAX_SEARCH_SCANNED) return { hits, complete: false }
      const page = await store.messages.latest(conversation.id, { limit: SCAN_PAGE, cursor, signal: options.signal })
      for (const message of page.items) {
        scanned++
        const text = decodeBody(message.content).text
        if (text == null || !fold(text).includes(needle)) continue
        title ??= await titleOf(conversation)
        hits.push({ message: toView(message), conversationTitle: title })
        if (hits.length >= limit) return { hits, complete: false }
      }
      cursor = page.cursor
    } while (cursor != null)
  }
  return { hits, complete: true }
}

async function * conversationsOf (store: Store, options: SearchOptions): AsyncGenerator<Conversation> {
  if (options.conversationId != null) {
    const one = await store.conversations.get(options.conversationId, options)
    if (one != null) yield one
    return
  }
  let cursor: string | undefined
  do {
    const page = await store.conversations.byActivity({ limit: SCAN_PAGE, cursor, signal: options.signal })
    yield * page.items
    cursor = page.cursor
  } while (cursor != null)
}

/** Lower case without diacritics: "Café" and "cafe" match. */
function fold (text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase()
}
