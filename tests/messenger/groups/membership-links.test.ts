import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bytes.js'
import { ErrorCode } from '../../../src/errors.js'
import { GroupLog, createOp, nextOp } from '../../../src/messenger/groups/membership/index.js'
import { formatGroupLink, linkIdOf, parseGroupLink } from '../../../src/messenger/groups/invites/invite-link.js'
import { GroupOp } from '../../../src/wire/groups.js'
import { actors } from './membership-helpers.js'

const id = (byte: number): Uint8Array => new Uint8Array(16).fill(byte)

describe('group membership log: invite links (LINK / UNLINK)', () => {
  it('whoever may add members makes a link; an admin or its creator revokes it; a revoked id never comes back', async () => {
    const { list: [alice, bob, carol], init } = await actors(3)
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'g', [bob.accountKey, carol.accountKey]))
    await expect(log.add(await nextOp(log, GroupOp.Kind.LINK, bob, { linkId: id(1) }))).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_ADMIN })
    await log.add(await nextOp(log, GroupOp.Kind.SETTINGS, alice, { addBy: GroupOp.Who.MEMBERS, linkJoin: GroupOp.LinkJoin.AUTO }))
    expect(log.state.linkJoin).toBe('auto')
    await log.add(await nextOp(log, GroupOp.Kind.LINK, bob, { linkId: id(1), expiresAt: 5n }))
    await log.add(await nextOp(log, GroupOp.Kind.LINK, alice, { linkId: id(2) }))
    expect(log.state.links.get(toHex(id(1)))).toEqual({ creator: bob.hex, expiresAt: 5 })
    // carol (a member, not the creator, not an admin) may not revoke bob's link; bob may, alice may revoke hers
    await expect(log.add(await nextOp(log, GroupOp.Kind.UNLINK, carol, { linkId: id(1) }))).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_ADMIN })
    await log.add(await nextOp(log, GroupOp.Kind.UNLINK, bob, { linkId: id(1) }))
    expect(log.state.links.has(toHex(id(1)))).toBe(false)
    const again = await nextOp(log, GroupOp.Kind.LINK, alice, { linkId: id(1) })
    await log.add(again)
    expect(log.state.links.has(toHex(id(1)))).toBe(false)
    expect(log.state.revokedLinks.has(toHex(id(1)))).toBe(true)
    // a later SETTINGS that names no link_join puts joins back to approval (the default)
    await log.add(await nextOp(log, GroupOp.Kind.SETTINGS, alice, { addBy: GroupOp.Who.MEMBERS }))
    expect(log.state.linkJoin).toBe('approve')
  })

  it('a link op must name a 16-byte link id, and only link ops name one', async () => {
    const { list: [alice], init } = await actors(1)
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'g', []))
    await expect(log.add(await nextOp(log, GroupOp.Kind.LINK, alice, {}))).rejects.toMatchObject({ code: ErrorCode.GROUP_OP_INVALID })
    await expect(log.add(await nextOp(log, GroupOp.Kind.RENAME, alice, { name: 'x', linkId: id(3) }))).rejects.toMatchObject({ code: ErrorCode.GROUP_OP_INVALID })
  })

  it('a removal is remembered: everRemoved', async () => {
    const { list: [alice, bob, carol], init } = await actors(3)
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'g', [bob.accountKey, carol.accountKey]))
    await log.add(await nextOp(log, GroupOp.Kind.LEAVE, carol))
    await log.add(await nextOp(log, GroupOp.Kind.REMOVE, alice, { members: [bob.accountKey] }))
    expect(log.everRemoved(bob.hex)).toBe(true)
    expect(log.everRemoved(carol.hex)).toBe(false)
  })

  it('links round-trip; anything else is ERR_INVALID_GROUP_LINK', () => {
    const secret = new Uint8Array(16).fill(4)
    const link = { groupId: id(5), secret, creator: new Uint8Array(32).fill(6), expiresAt: 1234, name: 'Hikers' }
    const text = formatGroupLink(link)
    expect(parseGroupLink(`  ${text} `)).toEqual(link)
    expect(toHex(linkIdOf(secret))).toHaveLength(32)
    for (const bad of ['', 'parley://channel/abc', text.slice(0, -3), `${text}AAAA`, 'parley://group/' + 'A'.repeat(2000), formatGroupLink({ ...link, secret: new Uint8Array(8) }), formatGroupLink({ ...link, name: 'x'.repeat(129) })]) {
      expect(() => parseGroupLink(bad), bad.slice(0, 40)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_GROUP_LINK }))
    }
  })
})
