import type { AbortOptions } from '@libp2p/interface'
import { fromHex, toHex } from '../../../bytes.js'
import type { CryptoBackend } from '../../../crypto/index.js'
import { InvalidSignatureError } from '../../../crypto/index.js'
import { GroupLogSnapshot, GroupOp } from '../../../wire/groups.js'
import { MAX_GROUP_MEMBERS, MAX_GROUP_OPS, MAX_HELD_OPS } from './constants.js'
import { GroupOpInvalidError, GroupTooLargeError, GroupUnknownParentError, NotGroupAdminError } from './errors.js'
import { decodeGroupOp, groupIdOf, type DecodedOp } from './op-codec.js'
import { Ancestry, computeState, mayMake, type GroupState } from './state.js'

/** Whether `device` (an Ed25519 device key) is a device of the account `author` (both raw keys). */
export type DeviceCheck = (author: Uint8Array, device: Uint8Array, options?: AbortOptions) => Promise<boolean>

export interface GroupLogInit {
  backend: CryptoBackend
  /** Checks an operation's signing device against its author's account record. */
  isDeviceOf: DeviceCheck
}

/** What adding one operation did. */
export type AddResult =
  | { status: 'applied', hashes: string[], refused: Array<{ hash: string, error: Error }> }
  | { status: 'duplicate' }
  | { status: 'held' }

/**
 * One group's membership log: the hash-linked DAG of signed operations, the operations held
 * until their parents arrive (bounded), and the state every member computes from it
 * ({@link computeState}). Each added operation is checked: size and shape, the device's
 * signature, the device against its author, the group id, its parents, and that its author
 * could make it in the state of its causal past (its ancestors). Refusals are typed errors and
 * leave the log as it was.
 */
export class GroupLog {
  readonly groupId: Uint8Array
  private readonly ops = new Map<string, DecodedOp>()
  private readonly held = new Map<string, DecodedOp>()
  private cached: GroupState | undefined

  private constructor (private readonly init: GroupLogInit, groupId: Uint8Array) {
    this.groupId = groupId
  }

  /** A log founded by this CREATE operation (checked like any other). */
  static async fromCreate (init: GroupLogInit, createBytes: Uint8Array, options: AbortOptions = {}): Promise<GroupLog> {
    const log = new GroupLog(init, groupIdOf(createBytes))
    await log.add(createBytes, options)
    return log
  }

  /**
   * A log from a snapshot (every operation of a member's log, in any order); `groupId` is the one
   * expected. `stored`: the snapshot is this device's own, each operation checked when it was
   * accepted — signatures and authority are checked again, the signing device against its
   * author's *current* record is not (a device removed since must not undo its old operations).
   */
  static async fromSnapshot (init: GroupLogInit, groupId: Uint8Array, snapshot: Uint8Array, options: AbortOptions & { stored?: boolean } = {}): Promise<GroupLog> {
    let ops: Uint8Array[]
    try {
      ops = GroupLogSnapshot.decode(snapshot, { limits: { ops: MAX_GROUP_OPS } }).ops
    } catch (err) {
      throw new GroupOpInvalidError('Undecodable group log', { cause: err })
    }
    const log = new GroupLog(init, groupId)
    for (const bytes of ops) await log.add(bytes, { ...options, trustDevice: options.stored === true })
    if (log.ops.size === 0) throw new GroupOpInvalidError('The group log has no CREATE operation')
    return log
  }

  get size (): number { return this.ops.size }
  get heldCount (): number { return this.held.size }

  /** The merged state (recomputed after each change). */
  get state (): GroupState {
    this.cached ??= computeState(this.ops)
    return this.cached
  }

  /** The operations no other operation names as a parent: what a new operation's parents are. */
  heads (): Uint8Array[] {
    const named = new Set<string>()
    for (const d of this.ops.values()) for (const p of d.parents) named.add(p)
    return [...this.ops.keys()].filter((h) => !named.has(h)).sort().map(fromHex)
  }

  has (hash: string): boolean { return this.ops.has(hash) }

  /** Whether an applied operation ever took `member` (account key, hex) out of the group: a REMOVE naming it. */
  everRemoved (member: string): boolean {
    const skipped = new Set(this.state.skipped)
    return [...this.ops.values()].some((d) => d.op.kind === GroupOp.Kind.REMOVE && !skipped.has(d.hash) && d.members.includes(member))
  }

  /** The hashes of every operation in the log. */
  hashes (): string[] { return [...this.ops.keys()] }

  /** Every operation, parents before children (what a new member is handed), and the group's picture when given. */
  snapshot (picture?: Uint8Array): Uint8Array {
    return GroupLogSnapshot.encode({ ops: [...this.ops.values()].map((d) => d.bytes), picture: picture ?? new Uint8Array(0) })
  }

  /**
   * Adds one SignedGroupOp. `held`: its parents are not all known yet (it is applied when they
   * arrive). Throws `GroupOpInvalidError`, `InvalidSignatureError`, `NotGroupAdminError`,
   * `GroupTooLargeError`, `GroupUnknownParentError` (held set full) or `MessageTooLargeError`.
   */
  async add (bytes: Uint8Array, options: AbortOptions & { trustDevice?: boolean } = {}): Promise<AddResult> {
    const d = await decodeGroupOp(this.init.backend, bytes)
    if (this.ops.has(d.hash)) return { status: 'duplicate' }
    if (this.held.has(d.hash)) return { status: 'held' }
    options.signal?.throwIfAborted()
    if (options.trustDevice !== true && !await this.init.isDeviceOf(d.op.author, d.op.device, options)) throw new InvalidSignatureError('Group operation signed by a device that is not its author\'s')
    if (d.op.kind === GroupOp.Kind.CREATE) {
      if (this.ops.size > 0 || toHex(groupIdOf(bytes)) !== toHex(this.groupId)) throw new GroupOpInvalidError('A second or foreign CREATE operation')
    } else if (toHex(d.op.groupId) !== toHex(this.groupId)) {
      throw new GroupOpInvalidError('Operation of another group')
    }
    if (this.ops.size + this.held.size >= MAX_GROUP_OPS) throw new GroupTooLargeError(`The group log holds ${MAX_GROUP_OPS} operations`)
    if (!d.parents.every((p) => this.ops.has(p))) {
      if (this.held.size >= MAX_HELD_OPS) throw new GroupUnknownParentError(`${MAX_HELD_OPS} operations already wait for their parents`)
      this.held.set(d.hash, d)
      return { status: 'held' }
    }
    this.accept(d)
    const hashes = [d.hash]
    const refused: Array<{ hash: string, error: Error }> = []
    // operations that waited for this one
    for (let progress = true; progress;) {
      progress = false
      for (const h of [...this.held.values()]) {
        if (!h.parents.every((p) => this.ops.has(p))) continue
        this.held.delete(h.hash)
        try {
          this.accept(h)
          hashes.push(h.hash)
          progress = true
        } catch (err) {
          // refused once its past is known (e.g. not an admin there): dropped, as if refused on arrival
          refused.push({ hash: h.hash, error: err as Error })
        }
      }
    }
    return { status: 'applied', hashes, refused }
  }

  /** Checks authority in the causal past and the size bound, then adds. */
  private accept (d: DecodedOp): void {
    const past = new Map<string, DecodedOp>()
    if (d.op.kind !== GroupOp.Kind.CREATE) {
      const ancestry = new Ancestry(this.ops)
      const all = new Set(d.parents)
      for (const p of d.parents) for (const a of ancestry.ancestors(p)) all.add(a)
      for (const h of all) past.set(h, this.ops.get(h) as DecodedOp)
    }
    const before = computeState(past)
    if (!mayMake(before, d.author, d.op.kind, d.op.linkId.length > 0 ? toHex(d.op.linkId) : undefined)) throw new NotGroupAdminError(`The author may not ${d.op.kind} in this group`)
    const growth = d.op.kind === GroupOp.Kind.ADD || d.op.kind === GroupOp.Kind.CREATE ? d.members.filter((m) => !before.members.has(m)).length : 0
    if (before.members.size + growth + (d.op.kind === GroupOp.Kind.CREATE ? 1 : 0) > MAX_GROUP_MEMBERS) {
      throw new GroupTooLargeError(`A group has at most ${MAX_GROUP_MEMBERS} members`)
    }
    this.ops.set(d.hash, d)
    this.cached = undefined
  }
}
