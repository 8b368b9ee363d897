import * as fc from 'fast-check'
import { toHex } from '../../../src/bytes.js'
import { generateEd25519KeyPair } from '../../../src/crypto/backend.js'
import { createNobleBackend } from '../../../src/crypto/backend-noble.js'
import type { Signer } from '../../../src/crypto/index.js'
import { GroupLog, MAX_GROUP_MEMBERS, createOp, decodeGroupOp, signGroupOp, type GroupState } from '../../../src/messenger/groups/membership/index.js'
import { GroupOp } from '../../../src/wire/groups.js'
import { bytes } from '../arbitraries.js'
import { invalidResult, pureTarget, typedOrResultAsync } from '../target.js'

const backend = createNobleBackend()
/** Three accounts (each signs with its own key: account key = device key), and a stranger's device. */
const keys = await Promise.all([0, 1, 2, 3].map(async () => await generateEd25519KeyPair(backend)))
const signers: Signer[] = keys.map((k) => ({ publicKey: k.publicKey, sign: async (m: Uint8Array) => await backend.ed25519Sign(k.privateKey, m) }))
const accounts = keys.slice(0, 3).map((k) => k.publicKey)
/** Account 3's device signs for nobody: ops it signs in another author's name must be refused. */
const isDeviceOf = async (author: Uint8Array, device: Uint8Array): Promise<boolean> => toHex(author) === toHex(device) && toHex(device) !== toHex(keys[3].publicKey)

const K = GroupOp.Kind
const KINDS = [K.UNKNOWN, K.CREATE, K.ADD, K.ADD, K.ADD, K.REMOVE, K.LEAVE, K.PROMOTE, K.PROMOTE, K.DEMOTE, K.RENAME, K.SETTINGS]

/** One operation as the fuzzer builds it: every field free, signed by a chosen key, perhaps corrupted after signing. */
const opInput = fc.record({
  kind: fc.constantFrom(...KINDS),
  author: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  /** Signed by the author's own key, mostly; else by another (a forgery in the author's name). */
  signer: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 6 }),
  /** Indexes into the log's hashes (mod its size); a negative one is a random unknown hash. */
  parents: fc.oneof({ weight: 6, arbitrary: fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.array(fc.integer({ min: -1, max: 20 }), { maxLength: 4 }) }),
  members: fc.array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }).map((i) => keys[i].publicKey) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 5 }),
  name: fc.oneof(fc.string({ maxLength: 10 }), fc.constant(' '), fc.string({ minLength: 200, maxLength: 300 })),
  timerMs: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  addBy: fc.constantFrom(GroupOp.Who.ADMINS, GroupOp.Who.MEMBERS),
  renameBy: fc.constantFrom(GroupOp.Who.ADMINS, GroupOp.Who.MEMBERS),
  version: fc.constantFrom(1, 1, 1, 1, 1, 2),
  otherGroup: fc.constantFrom(false, false, false, false, false, true),
  corrupt: fc.option(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { freq: 8 }),
  nonce: bytes(16)
})

type OpInput = typeof opInput extends fc.Arbitrary<infer T> ? T : never

async function build (log: GroupLog, input: OpInput): Promise<Uint8Array> {
  const hashes = log.hashes()
  const parents = input.parents.map((i) => i < 0 ? new Uint8Array(32).fill(0xee) : Buffer.from(hashes[i % hashes.length], 'hex'))
  const op: GroupOp = {
    version: input.version,
    groupId: input.otherGroup ? new Uint8Array(16).fill(1) : log.groupId,
    parents,
    author: keys[input.author].publicKey,
    device: signers[input.signer ?? input.author].publicKey,
    createdAt: 1n,
    kind: input.kind,
    members: input.members,
    name: input.name,
    timerMs: input.timerMs,
    addBy: input.addBy,
    renameBy: input.renameBy,
    nonce: input.nonce,
    linkId: input.kind === GroupOp.Kind.LINK || input.kind === GroupOp.Kind.UNLINK ? input.nonce : new Uint8Array(0),
    expiresAt: 0n,
    linkJoin: GroupOp.LinkJoin.APPROVE
  }
  const signed = await signGroupOp(op, signers[input.signer ?? input.author])
  if (input.corrupt == null) return signed
  const out = signed.slice()
  out[input.corrupt.at % out.length] ^= input.corrupt.xor
  return out
}

function stateKey (s: GroupState): string {
  return JSON.stringify([s.name, [...s.members].sort(), String(s.timerMs), s.addBy, s.renameBy])
}

/**
 * The group membership log (PROTOCOL.md §12.1): signed operations with every field chosen by the
 * fuzzer — kinds, parents known and unknown, members of any length, long names, foreign groups,
 * devices signing in another author's name, bytes corrupted after signing — added to a real log
 * founded by a valid CREATE, then a snapshot of it reloaded. Each add returns or refuses with a
 * typed error; the state stays within bounds, every member is admin or member, and the reloaded
 * snapshot computes the same state (the merge is a function of the set of operations).
 */
export default pureTarget({
  name: 'group-op',
  covers: 'decodeGroupOp, GroupLog.add / fromSnapshot, computeState (src/messenger/groups/membership/)',
  input: fc.record({ founders: fc.subarray([1, 2]), ops: fc.array(opInput, { minLength: 1, maxLength: 8 }), raw: fc.uint8Array({ maxLength: 200 }) }),
  runs: 200,
  runTimeoutMs: 10_000,
  run: async (input) => {
    await typedOrResultAsync(async () => await decodeGroupOp(backend, input.raw))
    const create = await createOp({ accountKey: accounts[0], signer: signers[0], now: 1 }, 'fuzz', input.founders.map((i) => accounts[i]))
    const log = await GroupLog.fromCreate({ backend, isDeviceOf }, create)
    for (const op of input.ops) await typedOrResultAsync(async () => await log.add(await build(log, op)))
    const state = log.state
    if (state.members.size > MAX_GROUP_MEMBERS) throw invalidResult('more members than the limit')
    for (const [member, role] of state.members) {
      if (role !== 'admin' && role !== 'member') throw invalidResult(`role ${String(role)}`)
      if (!/^[0-9a-f]{64}$/.test(member)) throw invalidResult(`member key ${member}`)
    }
    if (log.size + log.heldCount > 1 + input.ops.length) throw invalidResult('more operations than were added')
    const reloaded = await GroupLog.fromSnapshot({ backend, isDeviceOf }, log.groupId, log.snapshot(), { stored: true })
    if (stateKey(reloaded.state) !== stateKey(state)) throw invalidResult('a reloaded snapshot computes another state')
  }
})
