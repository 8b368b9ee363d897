/**
 * A tiny in-test stand-in for the Messenger, used ONLY by the HTTP-plumbing unit tests (auth,
 * size limits, error format, routing). Everything that touches messaging runs against the real
 * Messenger in child-process daemons (live.test.ts, tests/cli).
 */
import { TypedEvents } from '../../src/events.js'
import { ParleyError } from '../../src/errors.js'
import type { ContactView, MessengerApi, MessengerEvents } from '../../src/messenger/types.js'

export interface StubProbe {
  /** Resolves when `status()` was called. */
  statusCalled: Promise<void>
  /** Resolves when a hanging `status()` call saw its signal abort. */
  statusAborted: Promise<void>
}

export function stubMessenger (probe: Partial<StubProbe> = {}): MessengerApi & TypedEvents<MessengerEvents> {
  const called = Promise.withResolvers<void>()
  const aborted = Promise.withResolvers<void>()
  probe.statusCalled = called.promise
  probe.statusAborted = aborted.promise
  const events = new TypedEvents<MessengerEvents>()
  const contact: ContactView = { address: 'bob-address', name: 'bob', verification: 'unverified', blocked: false, addedAt: 1 }
  const impl: Partial<MessengerApi> = {
    address: 'alice-address',
    inviteLink: () => 'parley:alice-address',
    listContacts: async () => [contact],
    addContact: async (address, init) => ({ ...contact, address, name: init?.name ?? 'x' }),
    getConversation: async (id) => { throw new ParleyError(`No conversation ${id}`, 'ERR_CONVERSATION_NOT_FOUND') },
    sendText: async () => { throw new Error('secret internals') },
    // hangs until the request's signal aborts (client gone)
    status: async (options) => new Promise((_resolve, reject) => {
      called.resolve()
      options?.signal?.addEventListener('abort', () => { aborted.resolve(); reject(options.signal?.reason) }, { once: true })
    })
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
