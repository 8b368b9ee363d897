import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { concatBytes, fromHex } from '../../../src/bytes.js'
import { nativeBackend } from '../../../src/crypto/backend-native.js'
import { SenderChainState, senderKeyDecrypt, senderKeyEncrypt } from '../../../src/crypto/sender-keys.js'
import { ErrorCode } from '../../../src/errors.js'
import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import type { Relay } from '../../../src/relay/index.js'
import type { GroupView } from '../../../src/messenger/types.js'
import type { GroupRecord } from '../../../src/store/index.js'
import { Content } from '../../../src/wire/content.js'
import { FileBlobs } from '../../../src/node/blob-files.js'
import { tempDir } from '../../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from '../helpers.js'
import { captureGroupMessages, contentOf, groupState, sendRawGroupContent, senderRecordOf } from './group-helpers.js'

const adOf = (m: Messenger): Uint8Array => concatBytes(m.node.accountKey, m.node.signer.publicKey)
const groupIds = new WeakMap<Messenger, string>()
const groupIdOf = (m: Messenger): string => groupIds.get(m) as string

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
    ;[alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map(async (name) => startTestMessenger(dir.path, name, relays, { blobs: new FileBlobs(join(dir.path, name, 'blobs')) })))
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
    for (const m of [alice, bob, carol, dave]) groupIds.set(m, groupId)
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
    // receipts aggregate: delivered to both, then read by both
    const readBy = async (n: number): Promise<void> => {
      for (const deadline = Date.now() + 30_000; (await alice.groupReceipts(groupId, sent.id)).read < n;) {
        if (Date.now() > deadline) throw new Error(`not read by ${n}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const firstRead = nextEvent(alice, 'delivery', (d) => d.messageId === sent.id && d.state === 'read')
    await bob.markRead(groupId)
    await firstRead
    await carol.markRead(groupId)
    await readBy(2)
    expect(await alice.groupReceipts(groupId, sent.id)).toEqual({ delivered: 2, read: 2 })
  })

  it('a file sent to the group arrives on every member, byte for byte', async () => {
    const bytes = randomBytes(150_000)
    const sha = createHash('sha256').update(bytes).digest('hex')
    const complete = [bob, carol].map(async (m) => nextEvent(m, 'message-updated', (d) => d.message.conversationId === groupId && d.message.attachment?.name === 'map.bin' && d.message.attachment.state === 'complete', 60_000))
    const sent = await alice.sendFile(groupId, new Blob([bytes]), { name: 'map.bin', mime: 'application/x-map', caption: 'the map' })
    expect(sent.attachment).toMatchObject({ name: 'map.bin', size: bytes.length, sha256: sha })
    for (const [i, { message }] of (await Promise.all(complete)).entries()) {
      const m = [bob, carol][i]
      expect(message).toMatchObject({ id: sent.id, sender: alice.address, text: 'the map' })
      const hash = createHash('sha256')
      for await (const part of m.readAttachment(groupId, message.id)) hash.update(part)
      expect(hash.digest('hex')).toBe(sha)
    }
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

  it('the author or an admin deletes for everyone; a member may not delete others\' messages; an edit by a non-author is refused', async () => {
    const members = [alice, bob, dave]
    const bobsArrive = members.filter((m) => m !== bob).map(async (m) => nextEvent(m, 'message', (d) => d.message.text === 'bob says'))
    const bobs = await bob.sendText(groupId, 'bob says')
    await Promise.all(bobsArrive)
    const alicesArrive = [bob, dave].map(async (m) => nextEvent(m, 'message', (d) => d.message.text === 'alice says'))
    const alices = await alice.sendText(groupId, 'alice says')
    await Promise.all(alicesArrive)
    await expect(bob.deleteMessages(groupId, [alices.id], { forEveryone: true })).rejects.toMatchObject({ code: ErrorCode.NOT_ALLOWED })
    await expect(bob.edit(groupId, alices.id, 'bob was here')).rejects.toMatchObject({ code: ErrorCode.NOT_ALLOWED })
    // bob's edit of alice's message forged on the wire, then a text: alice's copy keeps its text
    await sendRawGroupContent(bob, dave, groupId, Content.Kind.GROUP_MESSAGE, await sealedBy(bob, Content.Kind.EDIT, { targetId: fromHex(alices.id), text: 'bob was here' }))
    const marker = nextEvent(dave, 'message', (d) => d.message.text === 'after the forged edit')
    await sendRawGroupContent(bob, dave, groupId, Content.Kind.GROUP_MESSAGE, await sealedBy(bob, Content.Kind.TEXT, { text: 'after the forged edit' }))
    await marker
    expect((await dave.messages(groupId)).items.find((m) => m.id === alices.id)?.text).toBe('alice says')
    // the admin deletes bob's message for everyone
    const gone = [bob, dave].map(async (m) => nextEvent(m, 'messages-deleted', (d) => d.ids.includes(bobs.id)))
    await alice.deleteMessages(groupId, [bobs.id], { forEveryone: true })
    await Promise.all(gone)
    for (const m of members) expect((await m.messages(groupId)).items.some((x) => x.id === bobs.id)).toBe(false)
  })

  it('disappearing timers: an admin sets the group timer; members\' next messages disappear', async () => {
    const seen = [bob, dave].map(async (m) => groupState(m, groupId, (g) => g.timerMs === 60_000))
    await alice.setGroupTimer(groupId, 60_000)
    await Promise.all(seen)
    expect((await dave.getConversation(groupId)).disappearingTimerMs).toBe(60_000)
    const arrives = nextEvent(alice, 'message', (d) => d.message.text === 'vanishing')
    const sent = await dave.sendText(groupId, 'vanishing')
    const { message } = await arrives
    expect(message.expiresAt).toBe(sent.sentAt + 60_000)
    const off = [bob, dave].map(async (m) => groupState(m, groupId, (g) => g.timerMs === 0))
    await alice.setGroupTimer(groupId, null)
    await Promise.all(off)
  })

  it('a member offline during 20 messages catches up from the relay, in order', async () => {
    await dave.stop()
    const texts = Array.from({ length: 20 }, (_, i) => `offline ${i}`)
    for (const text of texts) await alice.sendText(groupId, text)
    dave = await startTestMessenger(dir.path, 'dave', [relay.multiaddrs[0].toString()], { blobs: new FileBlobs(join(dir.path, 'dave', 'blobs')) })
    const last = nextEvent(dave, 'message', (d) => d.message.text === texts.at(-1), 60_000)
    const got = async (): Promise<string[]> => (await dave.messages(groupId, { limit: 100 })).items.map((m) => m.text ?? '').filter((t) => t.startsWith('offline ')).reverse()
    if (!(await got()).includes(texts.at(-1) as string)) await last
    expect(await got()).toEqual(texts)
  }, 120_000)

  it('two admins change the group concurrently (rename, add); every device ends in the same state', async () => {
    const bobAdmin = groupState(bob, groupId, (g) => g.members.some((m) => m.address === bob.address && m.role === 'admin'))
    await alice.promote(groupId, [bob.address])
    await bobAdmin
    await Promise.all([alice.setGroupName(groupId, 'Climbers'), bob.addMembers(groupId, [carol.address])])
    const done = (g: GroupView): boolean => g.name === 'Climbers' && g.members.some((m) => m.address === carol.address)
    const states = await Promise.all([alice, bob, carol, dave].map(async (m) => groupState(m, groupId, done)))
    for (const s of states) expect({ ...s, self: 'member' }).toEqual({ ...states[0], self: 'member' })
    expect(states.map((s) => s.self)).toEqual(['member', 'member', 'member', 'member'])
    const carolGets = nextEvent(carol, 'message', (d) => d.message.text === 'welcome back')
    await bob.sendText(groupId, 'welcome back')
    await carolGets
  }, 120_000)
})

/** The fields of a GROUP_MESSAGE of `from` carrying an inner content, under its real sending chain (advanced in its store). */
async function sealedBy (from: Messenger, kind: Content.Kind, extra: Partial<Content>): Promise<Partial<Content>> {
  const id = groupIdOf(from)
  const record = await from.store.groups.get(id)
  const chain = SenderChainState.decode(record?.ownChain as Uint8Array)
  const inner = await contentOf(from, id, kind, extra)
  const sealed = await senderKeyEncrypt(nativeBackend, fromHex(id), chain, Content.encode(inner), adOf(from))
  await from.store.groups.put(id, { ...(record as GroupRecord), ownChain: SenderChainState.encode(sealed.chain) })
  return { messageId: inner.messageId, groupPayload: sealed.message }
}
