import type { ApiDeps } from '../api-deps.js'
import { watchDeliveries } from '../delivery-wait.js'
import type { Route } from '../route.js'
import { object, optionalBoolean, optionalInteger, optionalString, pageQuery, requiredString } from '../validate.js'

/** Longest message text the API takes (characters). */
export const MAX_TEXT_CHARS = 16_000
const MAX_TTL_MS = 28 * 24 * 3600_000

/** Messages: page, send (optionally waiting for delivery), edit, react, forward. */
export function messageRoutes (deps: ApiDeps): Route[] {
  const { messenger } = deps
  return [{
    method: 'GET',
    path: '/v1/conversations/{id}/messages',
    summary: 'Messages, newest first (paged with cursor)',
    handler: async ({ params, query, signal }) => messenger.messages(params.id, { ...pageQuery(query), signal })
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/messages',
    status: 201,
    summary: 'Send a text message; with "wait" the answer comes once it was sent, stored or failed',
    handler: async ({ params, body, signal }) => {
      const input = object(await body())
      const text = requiredString(input, 'text', MAX_TEXT_CHARS)
      const ttlMs = optionalInteger(input, 'ttlMs', 1000, MAX_TTL_MS)
      const replyTo = optionalString(input, 'replyTo', 256)
      const wait = optionalBoolean(input, 'wait') ?? false
      const waitMs = optionalInteger(input, 'waitMs', 100, 600_000)
      const watch = wait ? watchDeliveries(messenger) : undefined
      try {
        const message = await messenger.sendText(params.id, text, { signal, ...(ttlMs !== undefined ? { ttlMs } : {}), ...(replyTo !== undefined ? { replyTo } : {}) })
        if (watch == null) return { message }
        const delivery = await watch.until(message.id, { signal, timeoutMs: waitMs })
        return { message, delivery: delivery ?? { state: 'queued', reason: 'timeout' } }
      } finally {
        watch?.stop()
      }
    }
  }, {
    method: 'PATCH',
    path: '/v1/conversations/{id}/messages/{messageId}',
    summary: 'Edit one of my messages',
    handler: async ({ params, body, signal }) => messenger.edit(params.id, params.messageId, requiredString(object(await body()), 'text', MAX_TEXT_CHARS), { signal })
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/messages/{messageId}/reactions',
    summary: 'React to a message with an emoji',
    handler: async ({ params, body, signal }) => messenger.react(params.id, params.messageId, requiredString(object(await body()), 'emoji', 32), { signal })
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/messages/{messageId}/forward',
    status: 201,
    summary: 'Forward a message to another conversation (refused for secret chats)',
    handler: async ({ params, body, signal }) => messenger.forward(params.messageId, params.id, requiredString(object(await body()), 'to', 64), { signal })
  }]
}
