import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import type { Relay } from '../../../src/relay/index.js'
import { tempDir } from '../../helpers/network.js'
import { waitFor } from '../../helpers/wait.js'
import { nextEvent, republishAll, startTestMessenger, startTestRelay } from '../helpers.js'

/** Members besides the author: 10 in the normal suite; PARLEY_GROUP_SIZE=50 for the 50-member run. */
const SIZE = Number(process.env.PARLEY_GROUP_SIZE ?? 10)

describe(`a group of ${SIZE + 1} members (in-process nodes on 127.0.0.1)`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let author: Messenger
  const members: Messenger[] = []

  beforeAll(async () => {
    dir = await tempDir('parley-group-fanout-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    author = await startTestMessenger(dir.path, 'author', relays)
    // started a few at a time: the machine is shared
    for (let i = 0; i < SIZE; i += 6) {
      members.push(...await Promise.all(Array.from({ length: Math.min(6, SIZE - i) }, async (_, j) => startTestMessenger(dir.path, `m${i + j}`, relays))))
    }
    // records published while the network was small are not where lookups look once it is large
    if (SIZE > 15) await republishAll([author, ...members])
  }, 300_000)

  afterAll(async () => {
    for (const m of [author, ...members]) await m?.stop()
    await relay?.stop()
    await dir?.cleanup()
  }, 120_000)

  it('every member gets the group, then each message exactly once, from any sender', async () => {
    const joined = members.map(async (m) => nextEvent(m, 'group-updated', (d) => d.group.members.length === SIZE + 1, 240_000))
    const group = await author.createGroup('Big', members.map((m) => m.address))
    await Promise.all(joined)
    const counts = new Map<Messenger, number>()
    for (const m of members) m.addEventListener('message', (evt) => { if (evt.detail.message.text === 'to everyone') counts.set(m, (counts.get(m) ?? 0) + 1) })
    const arrivals = members.map(async (m) => nextEvent(m, 'message', (d) => d.message.conversationId === group.id && d.message.text === 'to everyone', 240_000))
    await author.sendText(group.id, 'to everyone')
    await Promise.all(arrivals)
    // a member answers: everyone else (the author included) gets it
    const replier = members[0]
    const answers = [author, ...members.slice(1)].map(async (m) => nextEvent(m, 'message', (d) => d.message.text === 'answer' && d.message.sender === replier.address, 240_000))
    await replier.sendText(group.id, 'answer')
    await Promise.all(answers)
    for (const m of members) {
      expect(counts.get(m)).toBe(1)
      expect((await m.messages(group.id)).items.filter((x) => x.text === 'to everyone')).toHaveLength(1)
    }
  }, 600_000)

  it('a member offline during 20 messages catches up from the relay, in order, each once', async () => {
    const group = (await author.listGroups()).find((g) => g.name === 'Big')
    if (group == null) throw new Error('no group')
    const away = members[members.length - 1]
    await away.stop()
    const texts = Array.from({ length: 20 }, (_, i) => `while away ${i}`)
    for (const text of texts) await author.sendText(group.id, text)
    const back = await startTestMessenger(dir.path, `m${members.length - 1}`, [relay.multiaddrs[0].toString()])
    members[members.length - 1] = back
    const got = async (): Promise<string[]> => (await back.messages(group.id, { limit: 100 })).items.map((m) => m.text ?? '').filter((t) => t.startsWith('while away ')).reverse()
    // copies come from the relay's mailbox and from the author's outbox retrying directly: wait for all twenty
    await waitFor(async () => (await got()).length >= texts.length, 240_000, 'twenty messages')
    expect(await got()).toEqual(texts)
  }, 600_000)
})
