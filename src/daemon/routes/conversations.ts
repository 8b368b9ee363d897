import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError } from '../errors.js'
import type { Route } from '../route.js'
import { object, optionalBoolean, pageQuery, requiredString, stringArray } from '../validate.js'

/** Longest disappearing-message timer: 4 weeks. */
const MAX_TTL_MS = 28 * 24 * 3600_000

/** Conversations, and secret chats' life cycle. */
export function conversationRoutes (deps: ApiDeps): Route[] {
  const { messenger } = deps
  return [{
    method: 'GET',
    path: '/v1/conversations',
    summary: 'List conversations, most recent first (paged)',
    handler: async ({ query, signal }) => messenger.conversations({ ...pageQuery(query), signal })
  }, {
    method: 'GET',
    path: '/v1/conversations/{id}',
    summary: 'One conversation',
    handler: async ({ params, signal }) => messenger.getConversation(params.id, { signal })
  }, {
    method: 'PATCH',
    path: '/v1/conversations/{id}',
    summary: 'Set the disappearing-message timer (ms, or null for off)',
    handler: async ({ params, body, signal }) => {
      const input = object(await body())
      if (!('disappearingTimerMs' in input)) throw new InvalidRequestError('Pass "disappearingTimerMs"')
      const ttl = input.disappearingTimerMs
      if (ttl !== null && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1000 || ttl > MAX_TTL_MS)) {
        throw new InvalidRequestError(`"disappearingTimerMs" must be null or an integer from 1000 to ${MAX_TTL_MS}`)
      }
      return messenger.setDisappearingTimer(params.id, ttl, { signal })
    }
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/read',
    summary: 'Mark the conversation read (sends read receipts when enabled)',
    handler: async ({ params, signal }) => { await messenger.markRead(params.id, { signal }) }
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/typing',
    summary: 'Tell the peer whether we are typing',
    handler: async ({ params, body, signal }) => {
      const typing = optionalBoolean(object(await body()), 'typing') ?? true
      await messenger.setTyping(params.id, typing, { signal })
    }
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/delete',
    summary: 'Delete messages here, or with forEveryone on every device of both sides',
    handler: async ({ params, body, signal }) => {
      const input = object(await body())
      const ids = stringArray(input, 'ids')
      await messenger.deleteMessages(params.id, ids, { forEveryone: optionalBoolean(input, 'forEveryone') ?? false, signal })
    }
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/clear',
    summary: 'Delete every message of the conversation (optionally for everyone)',
    handler: async ({ params, body, signal }) => {
      await messenger.clearConversation(params.id, { forEveryone: optionalBoolean(object(await body()), 'forEveryone') ?? false, signal })
    }
  }, {
    method: 'POST',
    path: '/v1/secret-chats',
    status: 201,
    summary: 'Start a secret chat with a contact (one device each side, never synced)',
    handler: async ({ body, signal }) => {
      const input = object(await body())
      return messenger.startSecretChat(requiredString(input, 'address', 2048), { directOnly: optionalBoolean(input, 'directOnly') ?? false, signal })
    }
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/accept',
    summary: 'Accept an incoming secret chat',
    handler: async ({ params, signal }) => messenger.acceptSecretChat(params.id, { signal })
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/close',
    summary: 'Close a secret chat',
    handler: async ({ params, signal }) => { await messenger.closeSecretChat(params.id, { signal }) }
  }, {
    method: 'POST',
    path: '/v1/conversations/{id}/screenshot',
    summary: 'Report a screenshot of a secret chat to the peer',
    handler: async ({ params, signal }) => { await messenger.reportScreenshot(params.id, { signal }) }
  }]
}
