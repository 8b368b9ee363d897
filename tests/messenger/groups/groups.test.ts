import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { concatBytes } from '../../../src/bytes.js'
import { nativeBackend } from '../../../src/crypto/backend-native.js'
import { senderKeyDecrypt } from '../../../src/crypto/sender-keys.js'
import { ErrorCode } from '../../../src/errors.js'
import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import type { Relay } from '../../../src/relay/index.js'
import { tempDir } from '../../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from '../helpers.js'
import { captureGroupMessages, groupState, senderRecordOf } from './group-helpers.js'

const adOf = (m: Messenger): Uint8Array => concatBytes(m.node.accountKey, m.node.signer.publicKey)

describe('groups: membership, sender keys, fan-out (real nodes on 127.0.0.1)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let bob: Messenger
  let carol: Messenger
  let dave: Messenger
  let groupId: string

  beforeAll(async () => {
    dir = await tempDir('parley-groups-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    ;[alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map(async (name) => startTestMessenger(dir.path, name, relays)))
  }, 120_000)

  afterAll(async () => {
    for (const m of [alice, bob, carol, dave]) await m?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('creates a group; every member gets it and each message once', async () => {
    const seen = [bob, carol].map(async (m) => nextEvent(m, 'group-updated', (d) => d.group.name === 'Hikers', 30_000))
    const group = await alice.createGroup('Hikers', [bob.address, carol.address])
    groupId = group.id
    expect(group.members.find((m) => m.address === alice.address)?.role).toBe('admin')
    for (const { group: g } of await Promise.all(seen)) expect(g.members.map((m) => m.address).sort()).toEqual([alice.address, bob.address, carol.address].sort())
    expect((await bob.getConversation(groupId)).title).toBe('Hikers')

    const arrivals = [bob, carol].map(async (m) => nextEvent(m, 'message', (d) => d.message.conversationId === groupId && d.message.text === 'hello group'))
    const sent = await alice.sendText(groupId, 'hello group')
    for (const { message } of await Promise.all(arrivals)) {
      expect(message.sender).toBe(alice.address)
      expect(message.id).toBe(sent.id)
    }
    const reply = nextEvent(alice, 'message', (d) => d.message.conversationId === groupId && d.message.direction === 'in')
    const carolGets = nextEvent(carol, 'message', (d) => d.message.conversationId === groupId && d.message.sender === bob.address)
    await bob.sendText(groupId, 'hi all', { replyTo: sent.id })
    expect((await reply).message.replyTo).toBe(sent.id)
    await carolGets
    for (const m of [bob, carol]) expect((await m.messages(groupId)).items.filter((x) => x.text === 'hello group')).toHaveLength(1)
  })

  it('a removed member cannot decrypt the next message (on the wire); a joiner cannot read earlier ones', async () => {
    const captured = captureGroupMessages(alice)
    const carolKnows = await senderRecordOf(carol, groupId, alice)
    expect(carolKnows.chains.length).toBeGreaterThan(0)
    const carolOut = groupState(carol, groupId, (g) => g.self === 'removed')
    await alice.removeMembers(groupId, [carol.address])
    await carolOut
    await groupState(bob, groupId, (g) => !g.members.some((m) => m.address === carol.address))
    const bobGets = nextEvent(bob, 'message', (d) => d.message.text === 'after removal')
    await alice.sendText(groupId, 'after removal')
    await bobGets
    const wire = captured.at(-1)
    if (wire == null) throw new Error('no group message captured')
    // carol's chains of alice's device (from before her removal) cannot open it: alice rotated
    await expect(senderKeyDecrypt(nativeBackend, wire.groupId, carolKnows, wire.groupPayload, adOf(alice))).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_SENDER_CHAIN })
    expect((await carol.messages(groupId)).items.some((m) => m.text === 'after removal')).toBe(false)
    // dave joins: he gets the current chain, not the earlier ones
    const daveIn = groupState(dave, groupId, (g) => g.self === 'member')
    await alice.addMembers(groupId, [dave.address])
    await daveIn
    const daveGets = nextEvent(dave, 'message', (d) => d.message.text === 'welcome dave')
    await alice.sendText(groupId, 'welcome dave')
    await daveGets
    const daveKnows = await senderRecordOf(dave, groupId, alice)
    await expect(senderKeyDecrypt(nativeBackend, wire.groupId, daveKnows, wire.groupPayload, adOf(alice))).rejects.toMatchObject({ code: ErrorCode.REPLAY })
    expect((await dave.messages(groupId)).items.map((m) => m.text)).toEqual(['welcome dave'])
  })
})
