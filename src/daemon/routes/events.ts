import type { MessengerEvents } from '../../messenger/types.js'
import type { ApiDeps } from '../api-deps.js'
import { InvalidRequestError } from '../errors.js'
import { HANDLED, type Route } from '../route.js'
import { SseStream } from '../sse.js'

/** Every MessengerEvents type, in the order documented (checked against the type below). */
export const EVENT_TYPES = [
  'message', 'message-updated', 'messages-deleted', 'delivery', 'typing',
  'conversation-updated', 'contact-key-changed', 'contact-removed', 'screenshot', 'wiped', 'attachment-progress',
  'reachability', 'group-updated', 'group-refused', 'channel-post', 'channel-post-updated',
  'contact-devices-changed', 'contact-updated', 'devices-changed', 'device-link-request',
  'history-progress', 'history-done', 'group-join-requested', 'group-join-answered',
  'group-join-settled'
] as const satisfies ReadonlyArray<keyof MessengerEvents>

/** MessengerEvents' declared keys (without the index signature). */
type EventKey = keyof { [K in keyof MessengerEvents as string extends K ? never : K]: true }
// Compile-time check: a new MessengerEvents key must be added to EVENT_TYPES.
type Missing = Exclude<EventKey, (typeof EVENT_TYPES)[number]>
const allListed: [Missing] extends [never] ? true : Missing = true
void allListed

/** `GET /v1/events`: the messenger's events as Server-Sent Events, optionally filtered by `?types=a,b`. */
export function eventRoutes (deps: ApiDeps): Route[] {
  return [{
    method: 'GET',
    path: '/v1/events',
    summary: 'Live MessengerEvents as a text/event-stream; first event: ready',
    handler: async ({ res, query, signal }) => {
      const requested = query.get('types')?.split(',').map((t) => t.trim()).filter((t) => t !== '')
      const types = requested ?? [...EVENT_TYPES]
      const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t))
      if (unknown.length > 0) throw new InvalidRequestError(`Unknown event types: ${unknown.join(', ')}`)
      const sse = new SseStream(res, { signal })
      const listener = (evt: Event): void => { sse.send(evt.type, (evt as CustomEvent).detail) }
      for (const type of types) deps.messenger.addEventListener(type, listener)
      sse.send('ready', { address: deps.messenger.address, types })
      try {
        await sse.closed
      } finally {
        for (const type of types) deps.messenger.removeEventListener(type, listener)
      }
      return HANDLED
    }
  }]
}
