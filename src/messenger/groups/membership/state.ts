import { GroupOp } from '../../../wire/groups.js'
import { toHex } from '../../../bytes.js'
import { MAX_GROUP_LINKS, MAX_GROUP_MEMBERS } from './constants.js'
import type { DecodedOp } from './op-codec.js'

export type GroupRole = 'admin' | 'member'
export type GroupWho = 'admins' | 'members'
/** How a join by invite link is accepted: by the link's creator, or at once. */
export type GroupLinkJoin = 'approve' | 'auto'

/** An invite link the log knows (its secret is only in the link). */
export interface GroupLinkState {
  /** The creator's account key (hex): join requests go to its devices. */
  creator: string
  /** ms since the epoch, 0 = never. */
  expiresAt: number
}

/** A group's membership as every member computes it from the same set of operations. */
export interface GroupState {
  name: string
  /** Account key (hex) → role. */
  members: Map<string, GroupRole>
  /** Disappearing timer of new messages (ms), 0 = off. */
  timerMs: number
  /** Who may add members / rename the group. */
  addBy: GroupWho
  renameBy: GroupWho
  linkJoin: GroupLinkJoin
  /** Live invite links by link id (hex); a revoked id never comes back. */
  links: Map<string, GroupLinkState>
  revokedLinks: Set<string>
  /** Hashes of operations that were not applied (author not allowed at their place in the order), for diagnostics. */
  skipped: string[]
}

/**
 * The merge rule (docs/PROTOCOL.md §12.1), a pure function of the set of operations:
 *
 * 1. **Order.** The operations are put in one order: a topological order of the DAG (parents
 *    first) where, among the operations ready at each step, the smallest hash goes first.
 *    Every member holding the same set computes the same order, whatever the arrival order.
 * 2. **Authority at its place.** Each operation applies only if its author may make it in the
 *    state reached so far (an admin; or any member for ADD / RENAME when the settings allow it;
 *    the author itself for LEAVE); otherwise it is skipped. So of two admins who concurrently
 *    remove each other, the one ordered first wins.
 * 3. **Removal wins over a concurrent addition.** An ADD of X is ignored for X when the set holds
 *    a REMOVE of X (or X's LEAVE) that is not an ancestor of the ADD: re-adding someone needs an
 *    admin who saw the removal.
 * 4. **Last writer in the order** wins for the name and the settings (concurrent renames: the
 *    later in the order, i.e. the larger hash among concurrent ones).
 * 5. **Never without an admin.** When the last admin leaves, is removed or demoted, the member
 *    with the smallest account key becomes admin.
 * 6. **Bound.** Additions past {@link MAX_GROUP_MEMBERS} are ignored.
 */
export function computeState (ops: ReadonlyMap<string, DecodedOp>): GroupState {
  const state: GroupState = { name: '', members: new Map(), timerMs: 0, addBy: 'admins', renameBy: 'admins', linkJoin: 'approve', links: new Map(), revokedLinks: new Set(), skipped: [] }
  const ancestry = new Ancestry(ops)
  // REMOVE / LEAVE hashes per member they take out, for rule 3
  const removals = new Map<string, string[]>()
  for (const d of ops.values()) {
    const gone = d.op.kind === GroupOp.Kind.LEAVE ? [d.author] : d.op.kind === GroupOp.Kind.REMOVE ? d.members : []
    for (const m of gone) removals.set(m, [...(removals.get(m) ?? []), d.hash])
  }
  for (const d of linearize(ops)) {
    if (!apply(state, d, (member) => (removals.get(member) ?? []).some((r) => !ancestry.isAncestor(r, d.hash)))) state.skipped.push(d.hash)
  }
  return state
}

/**
 * Whether `author` may make an operation of `kind` in `state`. An invite link is made by whoever
 * may add members; it is revoked by an admin or by its creator (`linkId`: the UNLINK's, hex).
 */
export function mayMake (state: GroupState, author: string, kind: GroupOp.Kind, linkId?: string): boolean {
  const role = state.members.get(author)
  if (kind === GroupOp.Kind.CREATE) return state.members.size === 0
  if (role == null) return false
  if (role === 'admin' || kind === GroupOp.Kind.LEAVE) return true
  if (kind === GroupOp.Kind.ADD || kind === GroupOp.Kind.LINK) return state.addBy === 'members'
  if (kind === GroupOp.Kind.UNLINK) return linkId != null && state.links.get(linkId)?.creator === author
  if (kind === GroupOp.Kind.RENAME) return state.renameBy === 'members'
  return false
}

function apply (state: GroupState, d: DecodedOp, removedConcurrently: (member: string) => boolean): boolean {
  const { op } = d
  const linkId = op.linkId.length > 0 ? toHex(op.linkId) : undefined
  if (!mayMake(state, d.author, op.kind, linkId)) return false
  switch (op.kind) {
    case GroupOp.Kind.CREATE:
      state.name = op.name
      state.members.set(d.author, 'admin')
      addMembers(state, d.members, () => false)
      settings(state, op)
      break
    case GroupOp.Kind.ADD: addMembers(state, d.members, removedConcurrently); break
    case GroupOp.Kind.REMOVE: for (const m of d.members) state.members.delete(m); break
    case GroupOp.Kind.LEAVE: state.members.delete(d.author); break
    case GroupOp.Kind.PROMOTE: for (const m of d.members) if (state.members.has(m)) state.members.set(m, 'admin'); break
    case GroupOp.Kind.DEMOTE: for (const m of d.members) if (state.members.has(m)) state.members.set(m, 'member'); break
    case GroupOp.Kind.RENAME: state.name = op.name; break
    case GroupOp.Kind.SETTINGS: settings(state, op); break
    case GroupOp.Kind.LINK:
      if (linkId == null || state.revokedLinks.has(linkId) || state.links.has(linkId) || state.links.size >= MAX_GROUP_LINKS) return false
      state.links.set(linkId, { creator: d.author, expiresAt: Number(op.expiresAt) })
      break
    case GroupOp.Kind.UNLINK:
      if (linkId == null) return false
      state.links.delete(linkId)
      state.revokedLinks.add(linkId)
      break
    default: return false
  }
  ensureAdmin(state)
  return true
}

function addMembers (state: GroupState, members: string[], removedConcurrently: (member: string) => boolean): void {
  for (const m of members) {
    if (state.members.has(m) || removedConcurrently(m)) continue
    if (state.members.size >= MAX_GROUP_MEMBERS) return
    state.members.set(m, 'member')
  }
}

function settings (state: GroupState, op: GroupOp): void {
  state.timerMs = Number(op.timerMs)
  state.addBy = op.addBy === GroupOp.Who.MEMBERS ? 'members' : 'admins'
  state.renameBy = op.renameBy === GroupOp.Who.MEMBERS ? 'members' : 'admins'
  state.linkJoin = op.linkJoin === GroupOp.LinkJoin.AUTO ? 'auto' : 'approve'
}

function ensureAdmin (state: GroupState): void {
  if (state.members.size === 0 || [...state.members.values()].includes('admin')) return
  const first = [...state.members.keys()].sort()[0]
  state.members.set(first, 'admin')
}

/** Kahn's topological order, smallest hash first among the ready operations (parents outside the set are ignored). */
export function linearize (ops: ReadonlyMap<string, DecodedOp>): DecodedOp[] {
  const waiting = new Map<string, number>()
  const children = new Map<string, string[]>()
  const ready: string[] = []
  for (const d of ops.values()) {
    const inSet = d.parents.filter((p) => ops.has(p))
    waiting.set(d.hash, inSet.length)
    for (const p of inSet) children.set(p, [...(children.get(p) ?? []), d.hash])
    if (inSet.length === 0) ready.push(d.hash)
  }
  const out: DecodedOp[] = []
  while (ready.length > 0) {
    ready.sort()
    const next = ready.shift() as string
    out.push(ops.get(next) as DecodedOp)
    for (const c of children.get(next) ?? []) {
      const left = (waiting.get(c) ?? 0) - 1
      waiting.set(c, left)
      if (left === 0) ready.push(c)
    }
  }
  return out
}

/** Ancestor queries over the DAG, memoised per operation. */
export class Ancestry {
  private readonly memo = new Map<string, Set<string>>()
  constructor (private readonly ops: ReadonlyMap<string, DecodedOp>) {}

  /** Every operation reachable from `hash` through parents (not `hash` itself). */
  ancestors (hash: string): Set<string> {
    const known = this.memo.get(hash)
    if (known != null) return known
    const seen = new Set<string>()
    const stack = [...(this.ops.get(hash)?.parents ?? [])]
    while (stack.length > 0) {
      const h = stack.pop() as string
      if (seen.has(h)) continue
      seen.add(h)
      for (const p of this.ops.get(h)?.parents ?? []) stack.push(p)
    }
    this.memo.set(hash, seen)
    return seen
  }

  isAncestor (ancestor: string, of: string): boolean {
    return this.ancestors(of).has(ancestor)
  }
}
