import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/errors.js'
import type { Target } from '../../../src/messenger/components.js'
import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import type { Relay } from '../../../src/relay/index.js'
import { Content } from '../../../src/wire/content.js'
import { tempDir } from '../../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from '../helpers.js'
import { captureGroupMessages, groupState, sendRawGroupContent, senderRecordOf } from './group-helpers.js'

interface Dispatched { content: Content, to: string[] }
type Dispatch = (conversation: unknown, content: Content, options: { only?: Target[], perTarget?: (t: Target) => Content }) => Promise<void>

/**
 * Wraps `m`'s dispatcher: records every group content without payload it sends (requests and
 * answers) and, while `strip.to` is set, removes `sender_key` from the copies for that account.
 */
function tap (m: Messenger): { sent: Dispatched[], strip: { to?: string } } {
  const sent: Dispatched[] = []
  const strip: { to?: string } = {}
  const dispatcher = (m as unknown as { f: { dispatcher: { dispatch: Dispatch } } }).f.dispatcher
  const original = dispatcher.dispatch.bind(dispatcher)
  dispatcher.dispatch = async (conversation, content, options) => {
    if (content.kind === Content.Kind.GROUP_MESSAGE && content.groupPayload.length === 0) sent.push({ content, to: (options.only ?? []).map((t) => t.address) })
    const perTarget = options.perTarget
    if (strip.to == null || perTarget == null) return original(conversation, content, options)
    const to = strip.to
    return original(conversation, content, { ...options, perTarget: (t) => t.address === to ? { ...perTarget(t), senderKey: new Uint8Array(0) } : perTarget(t) })
  }
  return { sent, strip }
}

const isAnswer = (d: Dispatched): boolean => !d.content.flag && d.content.senderKey.length > 0
const isRequest = (d: Dispatched): boolean => d.content.flag && d.content.senderKey.length === 0

describe('groups: a member lacking a sender chain asks its sender for it', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let bob: Messenger
  let carol: Messenger
  let id: string
  let aliceTap: ReturnType<typeof tap>
  let bobTap: ReturnType<typeof tap>

  beforeAll(async () => {
    dir = await tempDir('parley-sender-key-request-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    // failed envelopes are received again at the next mailbox drain: a short interval keeps the test short
    ;[alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map(async (name) => startTestMessenger(dir.path, name, relays, { drainIntervalMs: 2_000 })))
    aliceTap = tap(alice)
    bobTap = tap(bob)
    const joined = [bob, carol].map(async (m) => nextEvent(m, 'group-updated', (d) => d.group.name === 'g', 30_000))
    id = (await alice.createGroup('g', [bob.address, carol.address])).id
    await Promise.all(joined)
  }, 120_000)

  afterAll(async () => {
    for (const m of [alice, bob, carol]) await m?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('a member whose copy lost the sender key asks for the chain and reads the message', async () => {
    // alice's first message starts her chain: bob's copy goes without it (lost distribution)
    aliceTap.strip.to = bob.address
    const carolGets = nextEvent(carol, 'message', (d) => d.message.text === 'key lost for bob', 60_000)
    const bobGets = nextEvent(bob, 'message', (d) => d.message.text === 'key lost for bob', 120_000)
    await alice.sendText(id, 'key lost for bob')
    await carolGets
    aliceTap.strip.to = undefined
    const { message } = await bobGets
    expect(message.sender).toBe(alice.address)
    // bob asked alice's device, alice answered bob only, with her chain from its start
    expect(bobTap.sent.filter(isRequest).map((d) => d.to)).toEqual([[alice.address]])
    const answers = aliceTap.sent.filter(isAnswer)
    expect(answers.map((d) => d.to)).toEqual([[bob.address]])
    expect((await senderRecordOf(bob, id, alice)).chains).toHaveLength(1)
    // later messages of the chain are read at once
    const next = nextEvent(bob, 'message', (d) => d.message.text === 'after the answer', 60_000)
    await alice.sendText(id, 'after the answer')
    await next
  }, 180_000)

  it('hostile exchanges: an answer never rewinds a held chain (a replay stays refused); a request carrying a key is refused', async () => {
    const captured = captureGroupMessages(alice)
    const gets = nextEvent(bob, 'message', (d) => d.message.text === 'read once', 60_000)
    await alice.sendText(id, 'read once')
    await gets
    const original = captured.find((c) => c.groupPayload.length > 0) as Content
    // alice (a member) hands bob her chain from its start again, then the message is replayed
    const start = (await alice.store.groups.get(id))?.ownChainStart as Uint8Array
    await sendRawGroupContent(alice, bob, id, Content.Kind.GROUP_MESSAGE, { senderKey: start })
    const replay = nextEvent(bob, 'group-refused', (d) => d.code === ErrorCode.REPLAY, 60_000)
    await sendRawGroupContent(alice, bob, id, Content.Kind.GROUP_MESSAGE, { groupPayload: original.groupPayload })
    await replay
    expect((await bob.messages(id)).items.filter((m) => m.text === 'read once')).toHaveLength(1)
    const malformed = nextEvent(alice, 'group-refused', (d) => d.sender === bob.address && d.code === ErrorCode.MALFORMED_MESSAGE, 60_000)
    await sendRawGroupContent(bob, alice, id, Content.Kind.GROUP_MESSAGE, { flag: true, senderKey: start })
    await malformed
  }, 120_000)

  it('a sender answers one request per requester device and chain a minute; the next is refused with ERR_RATE_LIMITED', async () => {
    const before = aliceTap.sent.filter(isAnswer).length
    const limited = nextEvent(alice, 'group-refused', (d) => d.sender === carol.address && d.code === ErrorCode.RATE_LIMITED, 60_000)
    await sendRawGroupContent(carol, alice, id, Content.Kind.GROUP_MESSAGE, { flag: true })
    await sendRawGroupContent(carol, alice, id, Content.Kind.GROUP_MESSAGE, { flag: true })
    await limited
    const answers = aliceTap.sent.filter(isAnswer).slice(before)
    expect(answers.map((d) => d.to)).toEqual([[carol.address]])
  }, 120_000)

  it('a removed member\'s request is refused with ERR_NOT_GROUP_MEMBER and gets no chain', async () => {
    await alice.removeMembers(id, [carol.address])
    await groupState(carol, id, (g) => g.self === 'removed', 60_000)
    // alice's next message rotates her chain (carol held the old one); carol asks for the new one
    const bobGets = nextEvent(bob, 'message', (d) => d.message.text === 'after the removal', 60_000)
    await alice.sendText(id, 'after the removal')
    await bobGets
    const before = aliceTap.sent.filter(isAnswer).length
    const refused = nextEvent(alice, 'group-refused', (d) => d.sender === carol.address && d.code === ErrorCode.NOT_GROUP_MEMBER, 60_000)
    await sendRawGroupContent(carol, alice, id, Content.Kind.GROUP_MESSAGE, { flag: true })
    await refused
    // a member's request sent after it is answered; the removed member's never was
    await sendRawGroupContent(bob, alice, id, Content.Kind.GROUP_MESSAGE, { flag: true })
    await waitFor(() => aliceTap.sent.filter(isAnswer).length > before)
    expect(aliceTap.sent.filter(isAnswer).slice(before).map((d) => d.to)).toEqual([[bob.address]])
  }, 180_000)
})

async function waitFor (check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
