/**
 * A tiny in-test stand-in for the Messenger, used ONLY by the HTTP-plumbing unit tests (auth,
 * size limits, error format, routing). Everything that touches messaging runs against the real
 * Messenger in child-process daemons (live.test.ts, tests/cli).
 */
import { TypedEvents } from '../../src/events.js'
import { ParleyError } from '../../src/errors.js'
import type { ContactView, MessengerApi, MessengerEvents } from '../../src/messenger/types.js'

export function stubMessenger (): MessengerApi & TypedEvents<MessengerEvents> {
  const events = new TypedEvents<MessengerEvents>()
  const contact: ContactView = { address: 'bob-address', name: 'bob', verification: 'unverified', blocked: false, addedAt: 1 }
  const impl: Partial<MessengerApi> = {
    address: 'alice-address',
    inviteLink: () => 'parley:alice-address',
    listContacts: async () => [contact],
    addContact: async (address, init) => ({ ...contact, address, name: init?.name ?? 'x' }),
    getConversation: async (id) => { throw new ParleyError(`No conversation ${id}`, 'ERR_CONVERSATION_NOT_FOUND') },
    sendText: async () => { throw new Error('secret internals') }
  }
  return new Proxy(events, {
    get (target, prop, receiver) {
      if (prop in impl) return impl[prop as keyof MessengerApi]
      const value = Reflect.get(target, prop, receiver)
      if (typeof value === 'function') return value.bind(target)
      if (value !== undefined) return value
      return async () => { throw new ParleyError('not in the stub', 'ERR_NOT_ALLOWED') }
    }
  }) as unknown as MessengerApi & TypedEvents<MessengerEvents>
}
