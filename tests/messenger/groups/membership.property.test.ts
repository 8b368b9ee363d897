import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from '../../../src/bytes.js'
import { GroupLog, createOp, nextOp } from '../../../src/messenger/groups/membership/index.js'
import { GroupLogSnapshot, GroupOp } from '../../../src/wire/groups.js'
import { actors, picture, type Actor } from './membership-helpers.js'

const KINDS = [GroupOp.Kind.ADD, GroupOp.Kind.REMOVE, GroupOp.Kind.PROMOTE, GroupOp.Kind.DEMOTE, GroupOp.Kind.RENAME, GroupOp.Kind.LEAVE, GroupOp.Kind.SETTINGS] as const

const hashOf = (bytes: Uint8Array): string => toHex(sha256(bytes))

/** Copies every operation of `from` into `to` (a partition healing in one direction). */
async function sync (from: GroupLog, to: GroupLog): Promise<void> {
  for (const bytes of GroupLogSnapshot.decode(from.snapshot()).ops) await to.add(bytes)
}

describe('group membership merge (property)', () => {
  it('removal wins over a concurrent addition, in either arrival order', async () => {
    const { list: [alice, bob, carol], init } = await actors(3)
    const create = await createOp(alice, 'g', [bob.accountKey, carol.accountKey])
    const a = await GroupLog.fromCreate(init, create)
    await a.add(await nextOp(a, GroupOp.Kind.PROMOTE, alice, { members: [bob.accountKey] }))
    await a.add(await nextOp(a, GroupOp.Kind.REMOVE, alice, { members: [carol.accountKey] }))
    const b = await GroupLog.fromCreate(init, create)
    await sync(a, b)
    // both see carol removed; concurrently alice removes again (no-op) and bob re-adds — then both re-add/remove concurrently
    const remove = await nextOp(a, GroupOp.Kind.REMOVE, alice, { members: [carol.accountKey] })
    // the addition ordered after the removal (larger hash): without the rule, it would win
    let addAgain = await nextOp(b, GroupOp.Kind.ADD, bob, { members: [carol.accountKey] })
    while (hashOf(addAgain) < hashOf(remove)) addAgain = await nextOp(b, GroupOp.Kind.ADD, bob, { members: [carol.accountKey] })
    await a.add(remove)
    await b.add(addAgain)
    await a.add(addAgain)
    await b.add(remove)
    expect(a.state.members.has(carol.hex)).toBe(false)
    expect(picture(a)).toEqual(picture(b))
    // an admin who saw the removal may re-add
    await a.add(await nextOp(a, GroupOp.Kind.ADD, alice, { members: [carol.accountKey] }))
    expect(a.state.members.get(carol.hex)).toBe('member')
  })

  it('two partitioned admins rename and add different members; healed, both end in the same state', async () => {
    const { list: [alice, bob, carol, dave], init } = await actors(4)
    const create = await createOp(alice, 'start', [bob.accountKey])
    const a = await GroupLog.fromCreate(init, create)
    await a.add(await nextOp(a, GroupOp.Kind.PROMOTE, alice, { members: [bob.accountKey] }))
    const b = await GroupLog.fromCreate(init, create)
    await sync(a, b)
    await a.add(await nextOp(a, GroupOp.Kind.RENAME, alice, { name: 'alice names it' }))
    await a.add(await nextOp(a, GroupOp.Kind.ADD, alice, { members: [carol.accountKey] }))
    await b.add(await nextOp(b, GroupOp.Kind.RENAME, bob, { name: 'bob names it' }))
    await b.add(await nextOp(b, GroupOp.Kind.ADD, bob, { members: [dave.accountKey] }))
    await sync(a, b)
    await sync(b, a)
    expect(picture(a)).toEqual(picture(b))
    expect([...a.state.members.keys()].sort()).toEqual([alice.hex, bob.hex, carol.hex, dave.hex].sort())
    expect(['alice names it', 'bob names it']).toContain(a.state.name)
    expect(a.heads()).toHaveLength(2)
  })

  it('concurrent operations by several admins converge whatever order they arrive in', async () => {
    const { list, init } = await actors(6)
    const [alice, bob, carol] = list
    const create = await createOp(alice, 'g', list.slice(1).map((x) => x.accountKey))
    const base = await GroupLog.fromCreate(init, create)
    await base.add(await nextOp(base, GroupOp.Kind.PROMOTE, alice, { members: [bob.accountKey, carol.accountKey] }))
    const action = fc.record({
      replica: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom(...KINDS),
      target: fc.integer({ min: 0, max: list.length - 1 }),
      syncTo: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 3 })
    })
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), fc.integer(), async (actions, seed) => {
      const authors: Actor[] = [alice, bob, carol]
      const replicas = await Promise.all(authors.map(async () => { const r = await GroupLog.fromCreate(init, create); await sync(base, r); return r }))
      for (const { replica, kind, target, syncTo } of actions) {
        const log = replicas[replica]
        const fields = kind === GroupOp.Kind.RENAME ? { name: `n${target}` } : kind === GroupOp.Kind.SETTINGS ? { timerMs: BigInt(target * 1000) } : { members: [list[target].accountKey] }
        await log.add(await nextOp(log, kind, authors[replica], kind === GroupOp.Kind.LEAVE ? {} : fields)).catch(() => {})
        if (syncTo != null) await sync(log, replicas[syncTo])
      }
      // every operation any replica accepted, delivered to two fresh devices in two different orders
      const all = new Map<string, Uint8Array>()
      for (const r of replicas) for (const bytes of GroupLogSnapshot.decode(r.snapshot()).ops) all.set(Buffer.from(bytes).toString('hex'), bytes)
      const ops = [...all.values()]
      const shuffled = [...ops].sort((x, y) => ((x[5] ^ seed) & 0xff) - ((y[5] ^ seed) & 0xff))
      const pictures = []
      for (const order of [ops, shuffled, [...ops].reverse()]) {
        const fresh = await GroupLog.fromCreate(init, create)
        for (let pass = 0; pass < 2; pass++) for (const bytes of order) await fresh.add(bytes).catch(() => {})
        expect(fresh.heldCount).toBe(0)
        pictures.push(picture(fresh))
      }
      // and a replica that received everything agrees
      for (const r of replicas) for (const bytes of ops) await r.add(bytes).catch(() => {})
      pictures.push(picture(replicas[0]), picture(replicas[2]))
      for (const p of pictures) expect(p).toEqual(pictures[0])
      expect([...replicas[0].state.members.values()]).toContain('admin')
    }), { numRuns: 25 })
  }, 120_000)
})
