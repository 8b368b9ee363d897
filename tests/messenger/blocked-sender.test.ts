import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Messenger } from '../../src/messenger/messenger.js'
import type { MessengerEvents } from '../../src/messenger/types.js'
import type { Relay } from '../../src/relay/index.js'
import { tempDir } from '../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

// A sender probes whether it is blocked by reading the ack of a direct delivery.
describe('a blocked sender', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let bob: Messenger
  let aliceChat: string
  let bobChat: string
  const earlier = new Set<string>()
  /** Every delivery state alice's device reported, per message. */
  const states = new Map<string, string[]>()

  beforeAll(async () => {
    dir = await tempDir('parley-blocked-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    alice = await startTestMessenger(dir.path, 'alice', relays)
    alice.addEventListener('delivery', (evt) => { states.set(evt.detail.messageId, [...(states.get(evt.detail.messageId) ?? []), evt.detail.state]) })
    bob = await startTestMessenger(dir.path, 'bob', relays)
    aliceChat = (await alice.conversationWith(bob.address)).id
    const first = nextEvent(bob, 'message')
    earlier.add((await alice.sendText(aliceChat, 'hello')).id)
    bobChat = (await first).message.conversationId
  }, 60_000)

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  /** Sends a text and returns the first delivery state the sender's device reports: the ack's. */
  const sendAndAck = async (text: string): Promise<{ id: string, ack: Omit<MessengerEvents['delivery'], 'messageId'> }> => {
    const firstStates = new Set(['sent', 'stored', 'failed'])
    const acked = nextEvent(alice, 'delivery', (d) => !earlier.has(d.messageId) && firstStates.has(d.state))
    const sent = await alice.sendText(aliceChat, text)
    const { messageId, ...ack } = await acked
    earlier.add(sent.id)
    expect(messageId).toBe(sent.id)
    return { id: sent.id, ack }
  }

  /** Resolves once alice's message `id` has reached `state`. */
  const reached = async (id: string, state: string): Promise<void> => {
    if (states.get(id)?.includes(state) === true) return
    await nextEvent(alice, 'delivery', (d) => d.messageId === id && d.state === state)
  }

  it('gets the same ack and receipt as an accepted message, and nothing is stored or shown', async () => {
    const accepted = await sendAndAck('accepted')
    expect(accepted.ack.state).toBe('sent')
    expect(await bob.store.messages.get(accepted.id)).toBeDefined()

    await bob.blockContact(alice.address, true)
    const unreadBefore = (await bob.getConversation(bobChat)).unreadCount
    const blocked = await sendAndAck('while blocked')
    // the ack (sent after bob's device processed the envelope) says what an accepted one says
    expect(blocked.ack).toEqual(accepted.ack)
    expect(await bob.store.messages.get(blocked.id)).toBeUndefined()
    expect((await bob.messages(bobChat)).items.some((m) => m.id === blocked.id)).toBe(false)
    expect((await bob.getConversation(bobChat)).unreadCount).toBe(unreadBefore)
    // and the same DELIVERED receipt: 'delivered', as for a reader with read receipts off
    await reached(accepted.id, 'delivered')
    await reached(blocked.id, 'delivered')
    expect(states.get(blocked.id)).toEqual(states.get(accepted.id))
    expect(await bob.store.messages.get(blocked.id)).toBeUndefined()

    // the session went on: once unblocked, the next message arrives normally
    await bob.blockContact(alice.address, false)
    const after = nextEvent(bob, 'message', (d) => d.message.text === 'after unblocking')
    await alice.sendText(aliceChat, 'after unblocking')
    expect((await after).message.conversationId).toBe(bobChat)
  })
})
