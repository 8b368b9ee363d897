/**
 * The same chat scenarios as tests/messenger/chats.test.ts, in headless Chromium: two
 * `createParley` messengers (IndexedDB stores, WebSockets to a relay on 127.0.0.1 started by
 * tests/browser/relay-global-setup.ts; between them whatever the browser transports reach:
 * WebRTC or the relay) in one page.
 */
import { describe, inject } from 'vitest'
import { createParley, destroyStore } from '../../src/browser/index.js'
import type { Messenger } from '../../src/messenger/messenger.js'
import { chatScenarios } from './chat-scenarios.js'

describe('chats between two messengers (browser: IndexedDB, browser transports)', () => {
  chatScenarios(async () => {
    const relays = [inject('relayWs')]
    const tag = Math.random().toString(36).slice(2)
    const open = async (name: string): ReturnType<typeof createParley> => await createParley({
      relays,
      storage: { name: `${name}-${tag}` },
      allowPrivateAddresses: true,
      messenger: { outbox: { directTimeoutMs: 1500, pollMs: 200 } }
    })
    const alice = await open('alice')
    const bob = await open('bob')
    // a Parley is the Messenger itself (create-parley.ts); two scenarios reach into its internals
    return {
      alice: alice as unknown as Messenger,
      bob: bob as unknown as Messenger,
      stop: async () => {
        await alice.stop()
        await bob.stop()
        await destroyStore(alice.storageName).catch(() => {})
        await destroyStore(bob.storageName).catch(() => {})
      }
    }
  })
})
