import { fromHex, toHex } from '../../../bytes.js'
import { ErrorCode, ParleyError } from '../../../errors.js'
import { encodeAddress } from '../../../identity/address.js'
import type { GroupRecord } from '../../../store/index.js'
import { GroupOp, type GroupJoin } from '../../../wire/groups.js'
import { mayMake, type GroupState } from '../membership/index.js'
import { GroupLinkExpiredError, GroupLinkRevokedError, InvalidGroupLinkError } from './invite-link.js'

/**
 * Join requests shared between the admins (PROTOCOL.md §12.4): the link creator's device hands a
 * request that waits for approval to every admin's devices (`SHARED`), any of them may approve it
 * (the ADD settles it everywhere: a device drops the requests of accounts that became members) or
 * decline it (`SETTLED` to the other admins' and the creator's devices; the creator answers the
 * joiner). These are the checks a receiving device makes, pure over the group's state.
 */

/** The requester's account key a SHARED or SETTLED names, as an address; `ERR_MALFORMED_MESSAGE` unless it is 32 bytes. */
export function requesterOf (join: GroupJoin): string {
  if (join.account.length !== 32) throw new ParleyError('A shared join request names no account', ErrorCode.MALFORMED_MESSAGE)
  return encodeAddress(join.account)
}

/**
 * Whether a live link lets `creator` (hex account key) take joins now: the link is live, is the
 * creator's, not past the expiry the log holds, and its creator may still add members.
 */
export function checkLink (state: GroupState, linkId: string, creator: string, now: number): void {
  const link = state.links.get(linkId)
  if (link == null) throw state.revokedLinks.has(linkId) ? new GroupLinkRevokedError() : new InvalidGroupLinkError('No such link in this group')
  if (link.creator !== creator) throw new InvalidGroupLinkError('The link is not this account\'s')
  if (link.expiresAt > 0 && link.expiresAt <= now) throw new GroupLinkExpiredError()
  if (!mayMake(state, creator, GroupOp.Kind.ADD)) throw new GroupLinkRevokedError('The link\'s creator may no longer add members')
}

/**
 * A SHARED request from `from` (hex account key) checked on an admin's device: this account may
 * add members, and the link is `from`'s and lets it take joins (else the typed error of
 * {@link checkLink}). Returns the requester's address, or undefined when there is nothing to keep
 * (a member already, or a request already held).
 */
export function checkShared (state: GroupState, record: GroupRecord, me: string, from: string, join: GroupJoin, now: number): string | undefined {
  if (record.self !== 'member' || !mayMake(state, me, GroupOp.Kind.ADD)) return undefined
  const requester = requesterOf(join)
  if (join.linkId.length !== 16) throw new InvalidGroupLinkError('A shared request names no link')
  checkLink(state, toHex(join.linkId), from, now)
  if (state.members.has(toHex(join.account))) return undefined
  if ((record.joinRequests ?? []).some((r) => r.account === requester)) return undefined
  return requester
}

/** A SETTLED (a decline) from `from` (hex account key): only from someone who may add members (`ERR_NOT_GROUP_ADMIN`). */
export function checkSettled (state: GroupState, from: string, join: GroupJoin): string {
  if (!mayMake(state, from, GroupOp.Kind.ADD)) throw new ParleyError('Only those who may add members settle join requests', ErrorCode.NOT_GROUP_ADMIN)
  return requesterOf(join)
}

/** The admins of the group but `me` (hex account keys → addresses): whom a waiting request is shared with. */
export function otherAdmins (state: GroupState, me: string): string[] {
  return [...state.members].filter(([account, role]) => role === 'admin' && account !== me).map(([account]) => encodeAddress(fromHex(account)))
}
