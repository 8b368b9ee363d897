import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NodeMessenger as Messenger } from '../../src/node/messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { filesContaining } from '../helpers/files.js'
import { tempDir } from '../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

describe('two messengers through a relay', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let aliceRelay: Relay
  let alice: Messenger
  let bob: Messenger

  beforeAll(async () => {
    dir = await tempDir('parley-msg-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    aliceRelay = await startTestRelay(join(dir.path, 'alice-relay'))
    // bob's mailbox is at `relay`; alice keeps hers elsewhere, so `relay` never learns who she is
    alice = await startTestMessenger(dir.path, 'alice', [aliceRelay.multiaddrs[0].toString()], { node: { bootstrap: [relay.multiaddrs[0].toString(), aliceRelay.multiaddrs[0].toString()] } })
    bob = await startTestMessenger(dir.path, 'bob', [relay.multiaddrs[0].toString()])
  }, 60_000)

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await aliceRelay?.stop()
    await dir?.cleanup()
  })

  it('sends a text directly, E2E-encrypted, with delivery receipts', async () => {
    const conversation = await alice.conversationWith(bob.address)
    const oneTimeHeld = (): number => Object.keys((bob.node.prekeys as unknown as { state: { oneTime: object } }).state.oneTime).length
    const heldBefore = oneTimeHeld()
    expect(heldBefore).toBeGreaterThan(0)
    const incoming = nextEvent(bob, 'message', (d) => d.message.direction === 'in')
    const delivered = nextEvent(alice, 'delivery', (d) => d.state === 'delivered')
    const sent = await alice.sendText(conversation.id, 'MARKER-hello-bob')
    const { message } = await incoming
    expect(message.text).toBe('MARKER-hello-bob')
    expect(message.sender).toBe(alice.address)
    expect(message.id).toBe(sent.id)
    expect((await delivered).messageId).toBe(sent.id)
    // the handshake used (and bob deleted) a one-time prekey alice took anonymously from bob's relay
    expect(oneTimeHeld()).toBe(heldBefore - 1)

    // bob answers in the conversation that appeared on his side
    const back = nextEvent(alice, 'message', (d) => d.message.direction === 'in')
    await bob.sendText(message.conversationId, 'MARKER-hello-alice')
    expect((await back).message.text).toBe('MARKER-hello-alice')
    const history = await alice.messages(conversation.id)
    expect(history.items.map((m) => m.text)).toEqual(['MARKER-hello-alice', 'MARKER-hello-bob'])
  })

  it('delivers through the relay while the recipient is offline; relay files never hold plaintext or the sender', async () => {
    const conversation = await alice.conversationWith(bob.address)
    await bob.stop()
    const stored = nextEvent(alice, 'delivery', (d) => d.state === 'stored', 30_000)
    const sent = await alice.sendText(conversation.id, 'MARKER-offline-1')
    await stored
    const bobAgain = await startTestMessenger(dir.path, 'bob', [relay.multiaddrs[0].toString()])
    bob = bobAgain
    const history = async (): Promise<string[]> => {
      const c = await bob.conversationWith(alice.address)
      return (await bob.messages(c.id)).items.map((m) => m.text ?? '')
    }
    const deadline = Date.now() + 20_000
    while (!(await history()).includes('MARKER-offline-1') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await history()).toContain('MARKER-offline-1')
    expect(sent.id).toBeTruthy()
    expect(await filesContaining(join(dir.path, 'relay'), new TextEncoder().encode('MARKER'))).toEqual([])
    expect(await filesContaining(join(dir.path, 'relay'), new TextEncoder().encode(alice.address))).toEqual([])
    expect(await filesContaining(join(dir.path, 'relay'), alice.node.accountKey)).toEqual([])
  })
})
