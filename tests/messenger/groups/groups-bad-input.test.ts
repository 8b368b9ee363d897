import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromHex } from '../../../src/bytes.js'
import { nativeBackend } from '../../../src/crypto/backend-native.js'
import {
  MAX_SENDER_FORWARD_JUMP, SenderChainState, SenderKeyDistribution, createSenderChain, senderKeyDistribution, senderKeyEncrypt
} from '../../../src/crypto/sender-keys.js'
import { ErrorCode } from '../../../src/errors.js'
import { GroupLog, MAX_GROUP_MEMBERS, nextOp } from '../../../src/messenger/groups/membership/index.js'
import { MAX_HELD_OPS } from '../../../src/messenger/groups/membership/constants.js'
import { groupAd } from '../../../src/messenger/groups/group-receive.js'
import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import type { Relay } from '../../../src/relay/index.js'
import { Content } from '../../../src/wire/content.js'
import { GroupLogSnapshot, GroupOp } from '../../../src/wire/groups.js'
import { tempDir } from '../../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from '../helpers.js'
import { captureGroupMessages, contentOf, groupState, sendRawGroupContent } from './group-helpers.js'

/** A GROUP_MESSAGE of `from` under `chain` (carrying the chain), as its send path would build it. */
async function forgedGroupMessage (from: Messenger, id: string, chain: SenderChainState, text: string): Promise<Partial<Content>> {
  const inner = await contentOf(from, id, Content.Kind.TEXT, { text })
  const sealed = await senderKeyEncrypt(nativeBackend, fromHex(id), chain, Content.encode(inner), groupAd(from.node.accountKey, from.node.signer.publicKey))
  return { messageId: inner.messageId, groupPayload: sealed.message, senderKey: SenderKeyDistribution.encode(senderKeyDistribution(fromHex(id), chain)) }
}

describe('groups: hostile input is refused with typed errors, nothing else lost', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let bob: Messenger
  let carol: Messenger
  let id: string

  beforeAll(async () => {
    dir = await tempDir('parley-groups-bad-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    ;[alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map(async (name) => startTestMessenger(dir.path, name, relays)))
    const joined = [bob, carol].map(async (m) => nextEvent(m, 'group-updated', (d) => d.group.name === 'g', 30_000))
    id = (await alice.createGroup('g', [bob.address, carol.address])).id
    await Promise.all(joined)
    const first = [bob, carol].map(async (m) => nextEvent(m, 'message', (d) => d.message.text === 'first'))
    await alice.sendText(id, 'first')
    await Promise.all(first)
  }, 120_000)

  afterAll(async () => {
    for (const m of [alice, bob, carol]) await m?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  /** Alice's next text reaches bob: whatever came before it lost nothing. */
  async function stillWorks (text: string): Promise<void> {
    const gets = nextEvent(bob, 'message', (d) => d.message.text === text)
    await alice.sendText(id, text)
    await gets
  }

  it('a replayed sender-key message is refused with ERR_REPLAY', async () => {
    const captured = captureGroupMessages(alice)
    const gets = nextEvent(bob, 'message', (d) => d.message.text === 'once')
    await alice.sendText(id, 'once')
    await gets
    const original = captured.at(-1) as Content
    const refused = nextEvent(bob, 'group-refused', (d) => d.code === ErrorCode.REPLAY)
    await sendRawGroupContent(alice, bob, id, Content.Kind.GROUP_MESSAGE, { groupPayload: original.groupPayload })
    expect((await refused).sender).toBe(alice.address)
    expect((await bob.messages(id)).items.filter((m) => m.text === 'once')).toHaveLength(1)
    await stillWorks('after the replay')
  })

  it('a jump past the forward bound is refused with ERR_TOO_MANY_SKIPPED', async () => {
    const record = await alice.store.groups.get(id)
    let chain = SenderChainState.decode(record?.ownChain as Uint8Array)
    for (let i = 0; i <= MAX_SENDER_FORWARD_JUMP; i++) chain = { ...chain, iteration: chain.iteration + 1, chainKey: await nativeBackend.hmacSha256(chain.chainKey, Uint8Array.of(2)) }
    const forged = await forgedGroupMessage(alice, id, chain, 'too far')
    const refused = nextEvent(bob, 'group-refused', (d) => d.code === ErrorCode.TOO_MANY_SKIPPED)
    // without the distribution of the far chain: bob holds the chain at its real iteration
    await sendRawGroupContent(alice, bob, id, Content.Kind.GROUP_MESSAGE, { ...forged, senderKey: new Uint8Array(0) })
    await refused
    await stillWorks('after the jump')
  })

  it('forged membership operations (non-admin, bad signature) and an oversized state are refused; the state stays', async () => {
    const before = await bob.group(id)
    const snapshot = (await bob.store.groups.get(id))?.log as Uint8Array
    const log = await GroupLog.fromSnapshot({ backend: nativeBackend, isDeviceOf: async () => true }, fromHex(id), snapshot)
    const carolAuthor = { accountKey: carol.node.accountKey, signer: carol.node.signer, now: Date.now() }
    const aliceAuthor = { accountKey: alice.node.accountKey, signer: alice.node.signer, now: Date.now() }
    const ops = GroupLogSnapshot.decode(snapshot).ops
    const send = async (from: Messenger, extra: Uint8Array): Promise<void> => {
      await sendRawGroupContent(from, bob, id, Content.Kind.GROUP_UPDATE, { groupPayload: GroupLogSnapshot.encode({ ops: [...ops, extra] }) })
    }
    // carol (a member, not an admin) removes alice
    const nonAdmin = nextEvent(bob, 'group-refused', (d) => d.code === ErrorCode.NOT_GROUP_ADMIN)
    await send(carol, await nextOp(log, GroupOp.Kind.REMOVE, carolAuthor, { members: [alice.node.accountKey] }))
    expect((await nonAdmin).sender).toBe(carol.address)
    // carol claims alice's authorship with her own device key
    const claimed = await nextOp(log, GroupOp.Kind.RENAME, { ...carolAuthor, accountKey: alice.node.accountKey }, { name: 'taken over' })
    const badSig = nextEvent(bob, 'group-refused', (d) => d.code === ErrorCode.INVALID_SIGNATURE)
    await send(carol, claimed)
    await badSig
    // alice (an admin) adds 1,000 members: past the bound
    const many = Array.from({ length: MAX_GROUP_MEMBERS }, (_, i) => { const k = new Uint8Array(32); new DataView(k.buffer).setUint32(0, i + 1); return k })
    const tooLarge = nextEvent(bob, 'group-refused', (d) => d.code === ErrorCode.GROUP_TOO_LARGE)
    await send(alice, await nextOp(log, GroupOp.Kind.ADD, aliceAuthor, { members: many }))
    await tooLarge
    expect(await bob.group(id)).toEqual(before)
    await stillWorks('after the forged operations')
  })

  it('a removed member\'s message is refused with ERR_NOT_GROUP_MEMBER', async () => {
    const out = groupState(carol, id, (g) => g.self === 'removed')
    const bobSees = groupState(bob, id, (g) => g.members.length === 2)
    await alice.removeMembers(id, [carol.address])
    await Promise.all([out, bobSees])
    await expect(carol.sendText(id, 'still here?')).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_MEMBER })
    const forged = await forgedGroupMessage(carol, id, await createSenderChain(nativeBackend, Date.now()), 'from outside')
    const refused = nextEvent(bob, 'group-refused', (d) => d.code === ErrorCode.NOT_GROUP_MEMBER)
    await sendRawGroupContent(carol, bob, id, Content.Kind.GROUP_MESSAGE, forged)
    expect((await refused).sender).toBe(carol.address)
    expect((await bob.messages(id)).items.some((m) => m.text === 'from outside')).toBe(false)
    await stillWorks('after the outsider')
  })

  it('operations naming unknown parents are held, bounded: past the hold ERR_GROUP_UNKNOWN_PARENT; the state stays', async () => {
    const before = await bob.group(id)
    const snapshot = (await bob.store.groups.get(id))?.log as Uint8Array
    const aliceAuthor = { accountKey: alice.node.accountKey, signer: alice.node.signer, now: Date.now() }
    // signed by alice (an admin), each naming a parent nobody has
    const orphan = { groupId: fromHex(id), heads: () => [crypto.getRandomValues(new Uint8Array(32))] } as unknown as GroupLog
    const orphans = await Promise.all(Array.from({ length: MAX_HELD_OPS + 1 }, async (_, i) => nextOp(orphan, GroupOp.Kind.RENAME, aliceAuthor, { name: `orphan ${i}` })))
    const refused = nextEvent(bob, 'group-refused', (d) => d.code === ErrorCode.GROUP_UNKNOWN_PARENT)
    await sendRawGroupContent(alice, bob, id, Content.Kind.GROUP_UPDATE, { groupPayload: GroupLogSnapshot.encode({ ops: [...GroupLogSnapshot.decode(snapshot).ops, ...orphans] }) })
    expect((await refused).sender).toBe(alice.address)
    expect(await bob.group(id)).toEqual(before)
    await stillWorks('after the orphans')
  })
})
