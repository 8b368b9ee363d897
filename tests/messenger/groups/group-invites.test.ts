import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/errors.js'
import type { Groups } from '../../../src/messenger/groups/groups.js'
import { formatGroupLink, linkIdOf, parseGroupLink } from '../../../src/messenger/groups/invites/invite-link.js'
import { fromHex } from '../../../src/bytes.js'
import type { DeviceEntry } from '../../../src/identity/account-record.js'
import type { Conversation } from '../../../src/store/index.js'
import { Content } from '../../../src/wire/content.js'
import { GroupJoin, GroupOp } from '../../../src/wire/groups.js'
import type { NodeMessenger as Messenger } from '../../../src/node/messenger.js'
import type { Relay } from '../../../src/relay/index.js'
import { tempDir } from '../../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from '../helpers.js'
import { groupState } from './group-helpers.js'

const WAIT = 60_000
/** The groups feature of `m` (a LINK operation as a device with a wrong clock would make it). */
const groupsOf = (m: Messenger): Groups => (m as unknown as { f: { groups: Groups } }).f.groups

describe('groups: invites by link (real nodes on 127.0.0.1)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let alice: Messenger
  let bob: Messenger
  let carol: Messenger
  let dave: Messenger
  let erin: Messenger
  let id: string

  beforeAll(async () => {
    dir = await tempDir('parley-group-invites-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    const relays = [relay.multiaddrs[0].toString()]
    ;[alice, bob, carol, dave, erin] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin'].map(async (name) =>
      startTestMessenger(dir.path, name, relays)))
    const group = await alice.createGroup('Climbers', [bob.address])
    id = group.id
    await groupState(bob, id, (g) => g.self === 'member', WAIT)
  }, 180_000)

  afterAll(async () => {
    for (const m of [alice, bob, carol, dave, erin]) await m?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('approval: a holder asks, waits, is approved by the link creator and then reads the group', async () => {
    const made = await alice.createGroupLink(id)
    expect(made.link.startsWith('parley://group/')).toBe(true)
    expect(parseGroupLink(made.link).name).toBe('Climbers')
    // every member's log knows the link (not its secret)
    await expect.poll(async () => (await bob.groupLinks(id)).map((l) => l.linkId), { timeout: WAIT }).toContain(made.linkId)
    const requested = nextEvent(alice, 'group-join-requested', (d) => d.groupId === id && d.address === carol.address, WAIT)
    const pending = nextEvent(carol, 'group-join-answered', (d) => d.groupId === id, WAIT)
    expect(await carol.joinGroupByLink(made.link)).toEqual({ groupId: id, name: 'Climbers', status: 'requested' })
    await requested
    expect((await pending).status).toBe('pending')
    expect((await alice.groupJoinRequests(id)).map((r) => r.address)).toEqual([carol.address])
    await expect(carol.group(id)).rejects.toMatchObject({ code: ErrorCode.GROUP_NOT_FOUND })

    const carolIn = groupState(carol, id, (g) => g.self === 'member', WAIT)
    await alice.approveGroupJoin(id, carol.address)
    await carolIn
    expect(await alice.groupJoinRequests(id)).toEqual([])
    const carolGets = nextEvent(carol, 'message', (d) => d.message.conversationId === id && d.message.text === 'welcome carol', WAIT)
    await alice.sendText(id, 'welcome carol')
    await carolGets
  }, 180_000)

  it('auto: with the group set to accept joins by link, a holder is a member at once', async () => {
    await alice.setGroupJoinApproval(id, 'auto')
    const { link } = await alice.createGroupLink(id, { expiresInMs: null })
    const daveIn = groupState(dave, id, (g) => g.self === 'member', WAIT)
    await dave.joinGroupByLink(link)
    const view = await daveIn
    expect(view.members.map((m) => m.address)).toContain(dave.address)
    await groupState(bob, id, (g) => g.members.some((m) => m.address === dave.address), WAIT)
    // joining again is a no-op
    expect((await dave.joinGroupByLink(link)).status).toBe('member')
  }, 180_000)

  it('forged links (a guessed secret, the wrong creator) are refused with ERR_INVALID_GROUP_LINK; the joiner is told', async () => {
    const { link } = await alice.createGroupLink(id)
    const real = parseGroupLink(link)
    const forged = formatGroupLink({ ...real, secret: new Uint8Array(16).fill(7) })
    const refused = nextEvent(alice, 'group-refused', (d) => d.conversationId === id && d.sender === erin.address, WAIT)
    const told = nextEvent(erin, 'group-join-answered', (d) => d.groupId === id, WAIT)
    await erin.joinGroupByLink(forged)
    expect((await refused).code).toBe(ErrorCode.INVALID_GROUP_LINK)
    expect(await told).toMatchObject({ status: 'invalid', code: ErrorCode.INVALID_GROUP_LINK })
    // alice's link sent to bob (who did not make it): bob refuses it
    const bobRefuses = nextEvent(bob, 'group-refused', (d) => d.conversationId === id && d.sender === erin.address, WAIT)
    await erin.joinGroupByLink(formatGroupLink({ ...real, creator: bob.node.accountKey }))
    expect((await bobRefuses).code).toBe(ErrorCode.INVALID_GROUP_LINK)
    expect(await erin.group(id).catch((err: { code?: string }) => err.code)).toBe(ErrorCode.GROUP_NOT_FOUND)
    // not even a malformed link gets as far as the network
    expect(() => parseGroupLink(link.slice(0, -4))).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_GROUP_LINK }))
    expect(() => parseGroupLink('parley://group/%%%')).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_GROUP_LINK }))
  }, 180_000)

  it('revoked and expired links are refused with typed errors; only an admin or the creator revokes', async () => {
    const revoked = await alice.createGroupLink(id)
    await expect.poll(async () => (await bob.groupLinks(id)).map((l) => l.linkId), { timeout: WAIT }).toContain(revoked.linkId)
    await expect(bob.revokeGroupLink(id, revoked.linkId)).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_ADMIN })
    await alice.revokeGroupLink(id, revoked.linkId)
    await expect.poll(async () => (await bob.groupLinks(id)).map((l) => l.linkId), { timeout: WAIT }).not.toContain(revoked.linkId)
    const erinId = erin.address
    let refused = nextEvent(alice, 'group-refused', (d) => d.conversationId === id && d.sender === erinId, WAIT)
    let told = nextEvent(erin, 'group-join-answered', (d) => d.groupId === id, WAIT)
    await erin.joinGroupByLink(revoked.link)
    expect((await refused).code).toBe(ErrorCode.GROUP_LINK_REVOKED)
    expect(await told).toMatchObject({ status: 'invalid', code: ErrorCode.GROUP_LINK_REVOKED })

    // a link past its expiry: the joiner refuses it itself...
    const short = await alice.createGroupLink(id, { expiresInMs: 60_000 })
    const past = formatGroupLink({ ...parseGroupLink(short.link), expiresAt: Date.now() - 1 })
    await expect(erin.joinGroupByLink(past)).rejects.toMatchObject({ code: ErrorCode.GROUP_LINK_EXPIRED })
    // ...and the creator checks the expiry the log holds, not the link's: a LINK already past its
    // expiry (made on a device whose clock was behind), its link's expiry pushed out by hand
    const secret = new Uint8Array(16).fill(9)
    await groupsOf(alice).operate(id, GroupOp.Kind.LINK, { linkId: linkIdOf(secret), expiresAt: BigInt(Date.now() - 1000) })
    const stale = formatGroupLink({ ...parseGroupLink(short.link), secret, expiresAt: Date.now() + 3600_000 })
    await dave.leaveGroup(id)
    await groupState(alice, id, (g) => !g.members.some((m) => m.address === dave.address), WAIT)
    refused = nextEvent(alice, 'group-refused', (d) => d.conversationId === id && d.sender === dave.address, WAIT)
    told = nextEvent(dave, 'group-join-answered', (d) => d.groupId === id, WAIT)
    await dave.joinGroupByLink(stale)
    expect((await refused).code).toBe(ErrorCode.GROUP_LINK_EXPIRED)
    expect(await told).toMatchObject({ status: 'invalid', code: ErrorCode.GROUP_LINK_EXPIRED })
  }, 180_000)

  it('a member removed before waits for approval even when joins are automatic', async () => {
    await alice.removeMembers(id, [carol.address])
    await groupState(carol, id, (g) => g.self === 'removed', WAIT)
    const { link } = await alice.createGroupLink(id)
    const requested = nextEvent(alice, 'group-join-requested', (d) => d.groupId === id && d.address === carol.address, WAIT)
    await carol.joinGroupByLink(link)
    await requested
    expect((await alice.group(id)).members.some((m) => m.address === carol.address)).toBe(false)
    const told = nextEvent(carol, 'group-join-answered', (d) => d.groupId === id && d.status === 'declined', WAIT)
    await alice.declineGroupJoin(id, carol.address)
    await told
    expect(await alice.groupJoinRequests(id)).toEqual([])
  }, 180_000)

  it('a request naming a live link (its id is in every member\'s log) without its secret is refused: ERR_INVALID_GROUP_LINK', async () => {
    const { linkId } = await alice.createGroupLink(id)
    const internals = carol as unknown as { dispatch: (c: Conversation, content: Content, o: Record<string, unknown>) => Promise<void>, baseContent: (c: Conversation, k: Content.Kind, e: Partial<Content>) => Content, resolveAccount: (a: string) => Promise<{ body: { devices: DeviceEntry[] } }> }
    const stranger: Conversation = { id, kind: 'group', members: [], lastActivity: 0, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: 0 }
    const only = (await internals.resolveAccount(alice.address)).body.devices.map((device) => ({ address: alice.address, device, sync: false }))
    const payload = GroupJoin.encode({ version: 1, status: GroupJoin.Status.REQUEST, linkId: fromHex(linkId), secret: new Uint8Array(16).fill(1), code: '' })
    const refused = nextEvent(alice, 'group-refused', (d) => d.conversationId === id && d.sender === carol.address, WAIT)
    await internals.dispatch(stranger, internals.baseContent(stranger, Content.Kind.GROUP_JOIN, { groupPayload: payload }), { group: true, only })
    expect((await refused).code).toBe(ErrorCode.INVALID_GROUP_LINK)
    expect(await alice.groupJoinRequests(id)).toEqual([])
  }, 180_000)

  it('a join flood from one account is bounded: three at once then one a minute per group, one waiting entry', async () => {
    await alice.setGroupJoinApproval(id, 'approve')
    const { link } = await alice.createGroupLink(id)
    const requested = nextEvent(alice, 'group-join-requested', (d) => d.groupId === id && d.address === erin.address, WAIT)
    const limited = nextEvent(alice, 'group-refused', (d) => d.conversationId === id && d.sender === erin.address && d.code === ErrorCode.RATE_LIMITED, WAIT)
    for (let i = 0; i < 5; i++) await erin.joinGroupByLink(link)
    await requested
    await limited
    expect((await alice.groupJoinRequests(id)).filter((r) => r.address === erin.address)).toHaveLength(1)
    // the group goes on: bob's message still reaches alice
    const aliceGets = nextEvent(alice, 'message', (d) => d.message.conversationId === id && d.message.text === 'still here', WAIT)
    await bob.sendText(id, 'still here')
    await aliceGets
  }, 180_000)

  it('only those who may add members make links', async () => {
    await expect(bob.createGroupLink(id)).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_ADMIN })
    await expect(alice.createGroupLink(id, { expiresInMs: 5 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT })
  })
})
