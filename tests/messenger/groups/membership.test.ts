import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/errors.js'
import {
  GroupLog, MAX_GROUP_MEMBERS, MAX_HELD_OPS, createOp, decodeGroupOp, nextOp, signGroupOp
} from '../../../src/messenger/groups/membership/index.js'
import { nobleBackend } from '../../../src/crypto/index.js'
import { GroupLogSnapshot, GroupOp, SignedGroupOp } from '../../../src/wire/groups.js'
import { actors, picture } from './membership-helpers.js'

describe('group membership log', () => {
  it('create, add, promote, rename, remove, leave: the state follows', async () => {
    const { list: [alice, bob, carol, dave], init } = await actors(4)
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'Hikers', [bob.accountKey]))
    expect(picture(log)).toEqual({ name: 'Hikers', members: [[alice.hex, 'admin'], [bob.hex, 'member']].sort(), timerMs: 0 })
    await log.add(await nextOp(log, GroupOp.Kind.ADD, alice, { members: [carol.accountKey, dave.accountKey] }))
    await log.add(await nextOp(log, GroupOp.Kind.PROMOTE, alice, { members: [bob.accountKey] }))
    await log.add(await nextOp(log, GroupOp.Kind.RENAME, bob, { name: 'Climbers' }))
    await log.add(await nextOp(log, GroupOp.Kind.REMOVE, bob, { members: [carol.accountKey] }))
    await log.add(await nextOp(log, GroupOp.Kind.LEAVE, dave))
    await log.add(await nextOp(log, GroupOp.Kind.SETTINGS, alice, { timerMs: 60_000n }))
    expect(picture(log)).toEqual({ name: 'Climbers', members: [[alice.hex, 'admin'], [bob.hex, 'admin']].sort(), timerMs: 60_000 })
    expect(log.heads()).toHaveLength(1)
  })

  it('refuses an operation by a non-admin with ERR_NOT_GROUP_ADMIN, the log unchanged', async () => {
    const { list: [alice, bob, carol], init } = await actors(3)
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'g', [bob.accountKey]))
    const before = picture(log)
    await expect(log.add(await nextOp(log, GroupOp.Kind.ADD, bob, { members: [carol.accountKey] }))).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_ADMIN })
    await expect(log.add(await nextOp(log, GroupOp.Kind.RENAME, carol, { name: 'mine' }))).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_ADMIN })
    expect(picture(log)).toEqual(before)
    expect(log.size).toBe(1)
  })

  it('the settings let members add and rename', async () => {
    const { list: [alice, bob, carol], init } = await actors(3)
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'g', [bob.accountKey]))
    await log.add(await nextOp(log, GroupOp.Kind.SETTINGS, alice, { addBy: GroupOp.Who.MEMBERS, renameBy: GroupOp.Who.MEMBERS }))
    await log.add(await nextOp(log, GroupOp.Kind.ADD, bob, { members: [carol.accountKey] }))
    await log.add(await nextOp(log, GroupOp.Kind.RENAME, carol, { name: 'ours' }))
    expect(log.state.name).toBe('ours')
    await expect(log.add(await nextOp(log, GroupOp.Kind.REMOVE, bob, { members: [carol.accountKey] }))).rejects.toMatchObject({ code: ErrorCode.NOT_GROUP_ADMIN })
  })

  it('refuses a bad signature, a device of someone else, a foreign group and a second CREATE', async () => {
    const { list: [alice, bob], init } = await actors(2)
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'g', [bob.accountKey]))
    const good = SignedGroupOp.decode(await nextOp(log, GroupOp.Kind.RENAME, alice, { name: 'x' }))
    const flipped = Uint8Array.from(good.signature)
    flipped[0] ^= 1
    await expect(log.add(SignedGroupOp.encode({ op: good.op, signature: flipped }))).rejects.toMatchObject({ code: ErrorCode.INVALID_SIGNATURE })
    // bob's device signs an op claiming alice as author
    const claimed = GroupOp.decode(good.op)
    await expect(log.add(await signGroupOp({ ...claimed, device: bob.signer.publicKey }, bob.signer))).rejects.toMatchObject({ code: ErrorCode.INVALID_SIGNATURE })
    const other = await GroupLog.fromCreate(init, await createOp(alice, 'other', []))
    await expect(log.add(await nextOp(other, GroupOp.Kind.RENAME, alice, { name: 'y' }))).rejects.toMatchObject({ code: ErrorCode.GROUP_OP_INVALID })
    await expect(log.add(await createOp(alice, 'again', []))).rejects.toMatchObject({ code: ErrorCode.GROUP_OP_INVALID })
    await expect(log.add(new Uint8Array([0xff, 0xff, 0xff]))).rejects.toMatchObject({ code: ErrorCode.GROUP_OP_INVALID })
    expect(log.size).toBe(1)
  })

  it('holds an operation with unknown parents until they arrive; a full hold refuses with ERR_GROUP_UNKNOWN_PARENT', async () => {
    const { list: [alice, bob, carol], init } = await actors(3)
    const create = await createOp(alice, 'g', [bob.accountKey])
    const source = await GroupLog.fromCreate(init, create)
    const add = await nextOp(source, GroupOp.Kind.ADD, alice, { members: [carol.accountKey] })
    await source.add(add)
    const rename = await nextOp(source, GroupOp.Kind.RENAME, alice, { name: 'later' })
    const copy = await GroupLog.fromCreate(init, create)
    expect(await copy.add(rename)).toEqual({ status: 'held' })
    expect(copy.state.name).toBe('g')
    const applied = await copy.add(add)
    expect(applied).toMatchObject({ status: 'applied' })
    expect(copy.state.name).toBe('later')
    expect(picture(copy)).toEqual(picture(await (async () => { await source.add(rename); return source })()))

    // a flood of orphans (parents nobody has) fills the hold, then is refused
    const orphan = async (i: number): Promise<Uint8Array> => {
      const op = GroupOp.decode(SignedGroupOp.decode(await nextOp(copy, GroupOp.Kind.RENAME, alice, { name: `o${i}` })).op)
      return signGroupOp({ ...op, parents: [new Uint8Array(32).fill(i % 250 + 1)] }, alice.signer)
    }
    for (let i = 0; i < MAX_HELD_OPS; i++) expect((await copy.add(await orphan(i))).status).toBe('held')
    await expect(copy.add(await orphan(MAX_HELD_OPS))).rejects.toMatchObject({ code: ErrorCode.GROUP_UNKNOWN_PARENT })
    expect(copy.state.name).toBe('later')
  })

  it('refuses an oversized state: more than 1,000 members, an oversized operation', async () => {
    const { list: [alice], init } = await actors(1)
    const key = (i: number): Uint8Array => { const k = new Uint8Array(32); new DataView(k.buffer).setUint32(0, i + 1000); return k }
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'big', Array.from({ length: MAX_GROUP_MEMBERS - 1 }, (_, i) => key(i))))
    expect(log.state.members.size).toBe(MAX_GROUP_MEMBERS)
    await expect(log.add(await nextOp(log, GroupOp.Kind.ADD, alice, { members: [key(5000)] }))).rejects.toMatchObject({ code: ErrorCode.GROUP_TOO_LARGE })
    const huge = SignedGroupOp.encode({ op: new Uint8Array(60_000), signature: new Uint8Array(64) })
    await expect(log.add(huge)).rejects.toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE })
    // 1,001 members in one operation do not even decode
    const tooMany = GroupOp.decode(SignedGroupOp.decode(await nextOp(log, GroupOp.Kind.REMOVE, alice, { members: [key(1)] })).op)
    await expect(decodeGroupOp(nobleBackend, await signGroupOp({ ...tooMany, members: Array.from({ length: MAX_GROUP_MEMBERS + 1 }, (_, i) => key(i)) }, alice.signer)))
      .rejects.toMatchObject({ code: ErrorCode.GROUP_OP_INVALID })
    expect(log.state.members.size).toBe(MAX_GROUP_MEMBERS)
  })

  it('a snapshot rebuilds the same state; a snapshot of another group is refused', async () => {
    const { list: [alice, bob, carol], init } = await actors(3)
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'g', [bob.accountKey]))
    await log.add(await nextOp(log, GroupOp.Kind.ADD, alice, { members: [carol.accountKey] }))
    await log.add(await nextOp(log, GroupOp.Kind.RENAME, alice, { name: 'renamed' }))
    const ops = GroupLogSnapshot.decode(log.snapshot()).ops.reverse()
    const copy = await GroupLog.fromSnapshot(init, log.groupId, GroupLogSnapshot.encode({ ops }))
    expect(picture(copy)).toEqual(picture(log))
    await expect(GroupLog.fromSnapshot(init, new Uint8Array(16), log.snapshot())).rejects.toMatchObject({ code: ErrorCode.GROUP_OP_INVALID })
  })
})

describe('group membership log: rebuilding a stored log', () => {
  it('a device removed from its account since does not undo its old operations; a fresh snapshot from elsewhere is checked', async () => {
    const { list: [alice, bob, carol], init } = await actors(3)
    const log = await GroupLog.fromCreate(init, await createOp(alice, 'g', [bob.accountKey]))
    await log.add(await nextOp(log, GroupOp.Kind.ADD, alice, { members: [carol.accountKey] }))
    // alice's device is no longer in her record
    const gone = { ...init, isDeviceOf: async () => false }
    const rebuilt = await GroupLog.fromSnapshot(gone, log.groupId, log.snapshot(), { stored: true })
    expect(picture(rebuilt)).toEqual(picture(log))
    await expect(GroupLog.fromSnapshot(gone, log.groupId, log.snapshot())).rejects.toMatchObject({ code: ErrorCode.INVALID_SIGNATURE })
    // a forged signature is refused even in a stored snapshot
    const ops = GroupLogSnapshot.decode(log.snapshot()).ops
    const add = SignedGroupOp.decode(ops[1])
    const bad = Uint8Array.from(add.signature)
    bad[0] ^= 1
    await expect(GroupLog.fromSnapshot(init, log.groupId, GroupLogSnapshot.encode({ ops: [ops[0], SignedGroupOp.encode({ op: add.op, signature: bad })] }), { stored: true }))
      .rejects.toMatchObject({ code: ErrorCode.INVALID_SIGNATURE })
  })
})
