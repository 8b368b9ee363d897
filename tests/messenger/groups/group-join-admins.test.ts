import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromHex } from '../../../src/bytes.js'
import { ErrorCode } from '../../../src/errors.js'
import type { Groups } from '../../../src/messenger/groups/groups.js'
import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import type { Relay } from '../../../src/relay/index.js'
import { Content } from '../../../src/wire/content.js'
import { GroupJoin } from '../../../src/wire/groups.js'
import { tempDir } from '../../helpers/network.js'
import { waitFor } from '../../helpers/wait.js'
import { nextEvent, startTestMessenger, startTestRelay } from '../helpers.js'
import { groupState, sendRawGroupContent } from './group-helpers.js'

const WAIT = 60_000
/** How many operations `m`'s log of group `id` holds. */
const logSize = async (m: Messenger, id: string): Promise<number> => (await (m as unknown as { f: { groups: Groups } }).f.groups.current(id)).log.size
const requesters = async (m: Messenger, id: string): Promise<string[]> => (await m.groupJoinRequests(id)).map((r) => r.address)

describe('groups: join requests reach every admin (real nodes on 127.0.0.1)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let bob: Messenger
  let carol: Messenger
  let dave: Messenger
  let erin: Messenger
  let frank: Messenger
  let id: string
  let link: string
  let linkId: string

  beforeAll(async () => {
    dir = await tempDir('parley-group-join-admins-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    ;[alice, bob, carol, dave, erin, frank] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map(async (name) =>
      startTestMessenger(dir.path, name, relays)))
    id = (await alice.createGroup('Ropes', [bob.address, carol.address])).id
    await groupState(carol, id, (g) => g.self === 'member', WAIT)
    await alice.promote(id, [bob.address])
    await groupState(bob, id, (g) => g.members.some((m) => m.address === bob.address && m.role === 'admin'), WAIT)
    ;({ link, linkId } = await alice.createGroupLink(id, { expiresInMs: null }))
    await waitFor(async () => (await bob.groupLinks(id)).some((l) => l.linkId === linkId), WAIT, 'bob knows the link')
  }, 240_000)

  afterAll(async () => {
    for (const m of [alice, bob, carol, dave, erin, frank]) await m?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('a request by alice\'s link reaches bob (another admin); bob approves; alice\'s copy settles, no second ADD', async () => {
    const atBob = nextEvent(bob, 'group-join-requested', (d) => d.groupId === id && d.address === dave.address, WAIT)
    const atAlice = nextEvent(alice, 'group-join-requested', (d) => d.groupId === id && d.address === dave.address, WAIT)
    await dave.joinGroupByLink(link)
    await Promise.all([atBob, atAlice])
    expect(await requesters(bob, id)).toEqual([dave.address])
    // carol is no admin: she is not asked
    expect(await requesters(carol, id)).toEqual([])

    const settled = nextEvent(alice, 'group-join-settled', (d) => d.groupId === id && d.address === dave.address, WAIT)
    const daveIn = groupState(dave, id, (g) => g.self === 'member', WAIT)
    await bob.approveGroupJoin(id, dave.address)
    await daveIn
    expect((await settled).outcome).toBe('approved')
    await groupState(alice, id, (g) => g.members.some((m) => m.address === dave.address), WAIT)
    expect(await requesters(alice, id)).toEqual([])
    // alice approving late adds nothing: her log stays as it is
    const size = await logSize(alice, id)
    await alice.approveGroupJoin(id, dave.address)
    expect(await logSize(alice, id)).toBe(size)
    const daveGets = nextEvent(dave, 'message', (d) => d.message.conversationId === id && d.message.text === 'hi dave', WAIT)
    await alice.sendText(id, 'hi dave')
    await daveGets
  }, 180_000)

  it('two admins approve the same request at once: both ADDs merge, every device ends in the same state, erin once', async () => {
    await Promise.all([alice, bob].map(async (m) => {
      const waiting = nextEvent(m, 'group-join-requested', (d) => d.groupId === id && d.address === erin.address, WAIT)
      if (m === alice) await erin.joinGroupByLink(link)
      await waiting
    }))
    // each approves from its own log, before the other's ADD arrives
    await Promise.all([alice.approveGroupJoin(id, erin.address), bob.approveGroupJoin(id, erin.address)])
    const everyone = [alice, bob, carol, dave, erin]
    const hasErin = (g: { members: Array<{ address: string }> }): boolean => g.members.some((m) => m.address === erin.address)
    await Promise.all(everyone.map(async (m) => groupState(m, id, hasErin, WAIT)))
    // anti-entropy hands both ADDs to every device: the same log everywhere
    const sizeOf = async (): Promise<number[]> => Promise.all(everyone.map(async (m) => logSize(m, id)))
    await expect.poll(async () => new Set(await sizeOf()).size, { timeout: WAIT }).toBe(1)
    const views = await Promise.all(everyone.map(async (m) => m.group(id)))
    for (const v of views) {
      expect(v.members).toEqual(views[0].members)
      expect(v.members.filter((m) => m.address === erin.address)).toEqual([{ address: erin.address, role: 'member' }])
    }
    for (const m of [alice, bob]) expect(await requesters(m, id)).toEqual([])
    const erinGets = nextEvent(erin, 'message', (d) => d.message.conversationId === id && d.message.text === 'hi erin', WAIT)
    await bob.sendText(id, 'hi erin')
    await erinGets
  }, 180_000)

  it('bob declines: alice\'s copy settles and the joiner hears "declined" from the link\'s creator', async () => {
    await Promise.all([alice, bob].map(async (m) => {
      const waiting = nextEvent(m, 'group-join-requested', (d) => d.groupId === id && d.address === frank.address, WAIT)
      if (m === alice) await frank.joinGroupByLink(link)
      await waiting
    }))
    const settled = nextEvent(alice, 'group-join-settled', (d) => d.groupId === id && d.address === frank.address, WAIT)
    const told = nextEvent(frank, 'group-join-answered', (d) => d.groupId === id && d.status === 'declined', WAIT)
    await bob.declineGroupJoin(id, frank.address)
    expect((await settled).outcome).toBe('declined')
    await told
    expect(await requesters(alice, id)).toEqual([])
    expect((await alice.group(id)).members.some((m) => m.address === frank.address)).toBe(false)
  }, 180_000)

  it('forged: a SHARED from a member whose link it is not, a SETTLED from a non-admin — refused with typed errors; the request stays', async () => {
    // frank asks again; it waits at both admins
    await Promise.all([alice, bob].map(async (m) => {
      const waiting = nextEvent(m, 'group-join-requested', (d) => d.groupId === id && d.address === frank.address, WAIT)
      if (m === alice) await frank.joinGroupByLink(link)
      await waiting
    }))
    const shared = GroupJoin.encode({ version: 1, status: GroupJoin.Status.SHARED, linkId: fromHex(linkId), account: carol.node.accountKey })
    let refused = nextEvent(bob, 'group-refused', (d) => d.conversationId === id && d.sender === carol.address, WAIT)
    await sendRawGroupContent(carol, bob, id, Content.Kind.GROUP_JOIN, { groupPayload: shared })
    expect((await refused).code).toBe(ErrorCode.INVALID_GROUP_LINK)
    const settled = GroupJoin.encode({ version: 1, status: GroupJoin.Status.SETTLED, linkId: fromHex(linkId), account: frank.node.accountKey })
    refused = nextEvent(bob, 'group-refused', (d) => d.conversationId === id && d.sender === carol.address, WAIT)
    await sendRawGroupContent(carol, bob, id, Content.Kind.GROUP_JOIN, { groupPayload: settled })
    expect((await refused).code).toBe(ErrorCode.NOT_GROUP_ADMIN)
    const malformed = GroupJoin.encode({ version: 1, status: GroupJoin.Status.SHARED, linkId: fromHex(linkId), account: new Uint8Array(5) })
    refused = nextEvent(bob, 'group-refused', (d) => d.conversationId === id && d.sender === alice.address, WAIT)
    await sendRawGroupContent(alice, bob, id, Content.Kind.GROUP_JOIN, { groupPayload: malformed })
    expect((await refused).code).toBe(ErrorCode.MALFORMED_MESSAGE)
    expect(await requesters(bob, id)).toEqual([frank.address])
    // and the group goes on
    const bobGets = nextEvent(bob, 'message', (d) => d.message.conversationId === id && d.message.text === 'still on', WAIT)
    await carol.sendText(id, 'still on')
    await bobGets
  }, 180_000)
})
