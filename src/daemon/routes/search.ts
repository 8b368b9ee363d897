import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError } from '../errors.js'
import type { Route } from '../route.js'

/** `GET /v1/search?q=<text>[&conversation=<id>][&limit=n]`: the local history search. */
export function searchRoutes (deps: ApiDeps): Route[] {
  const { messenger } = deps
  return [{
    method: 'GET',
    path: '/v1/search',
    summary: 'Search the local message history (q, optional conversation and limit ≤ 200); hits newest first',
    handler: async ({ query, signal }) => {
      const q = query.get('q') ?? ''
      if (q.trim() === '' || q.length > 200) throw new InvalidRequestError('"q" must be 1 to 200 characters')
      const raw = query.get('limit')
      const limit = raw == null ? 50 : Number(raw)
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new InvalidRequestError('"limit" must be an integer from 1 to 200')
      const conversationId = query.get('conversation') ?? undefined
      return messenger.search(q, { limit, signal, ...(conversationId != null && conversationId !== '' ? { conversationId } : {}) })
    }
  }]
}
