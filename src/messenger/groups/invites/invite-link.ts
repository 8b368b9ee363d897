import { sha256 } from '@noble/hashes/sha2.js'
import { base64url } from 'multiformats/bases/base64'
import { concatBytes, utf8 } from '../../../bytes.js'
import { ErrorCode, ParleyError } from '../../../errors.js'
import { GroupInviteLink } from '../../../wire/groups.js'
import { GROUP_ID_LENGTH, GROUP_LINK_ID_LENGTH, MAX_GROUP_NAME_LENGTH } from '../membership/constants.js'

/** Every group invite link starts so. */
export const GROUP_LINK_PREFIX = 'parley://group/'
/** Version of `GroupInviteLink`. */
export const GROUP_LINK_VERSION = 1
/** Longest link text accepted (a link is about 150 characters; the name adds at most 128). */
export const MAX_GROUP_LINK_CHARS = 1024
const LINK_ID_LABEL = utf8('parley/group-link/v1')

/** An invite link was malformed, forged or names no live link of its group. */
export class InvalidGroupLinkError extends ParleyError {
  static override name = 'InvalidGroupLinkError'
  constructor (message = 'Invalid group invite link', options?: { cause?: unknown }) { super(message, ErrorCode.INVALID_GROUP_LINK, options) }
}

/** An invite link past its expiry. */
export class GroupLinkExpiredError extends ParleyError {
  static override name = 'GroupLinkExpiredError'
  constructor (message = 'This group invite link has expired') { super(message, ErrorCode.GROUP_LINK_EXPIRED) }
}

/** An invite link revoked by an admin or its creator (or whose creator may no longer add members). */
export class GroupLinkRevokedError extends ParleyError {
  static override name = 'GroupLinkRevokedError'
  constructor (message = 'This group invite link was revoked') { super(message, ErrorCode.GROUP_LINK_REVOKED) }
}

/** What an invite link carries. */
export interface GroupLink {
  groupId: Uint8Array
  /** 16 random bytes: proves the holder was given the link (the log keeps only its hash). */
  secret: Uint8Array
  /** The creator's account key: join requests go to its devices. */
  creator: Uint8Array
  /** ms since the epoch, 0 = never. */
  expiresAt: number
  /** The group's name when the link was made (display only). */
  name: string
}

/** The id the log knows a link by: SHA-256("parley/group-link/v1" ‖ secret), first 16 bytes. */
export function linkIdOf (secret: Uint8Array): Uint8Array {
  return sha256(concatBytes(LINK_ID_LABEL, secret)).subarray(0, GROUP_LINK_ID_LENGTH)
}

/** `parley://group/<base64url(GroupInviteLink)>`. */
export function formatGroupLink (link: GroupLink): string {
  return GROUP_LINK_PREFIX + base64url.baseEncode(GroupInviteLink.encode({ version: GROUP_LINK_VERSION, ...link, expiresAt: BigInt(link.expiresAt) }))
}

/** Parses a link of {@link formatGroupLink}; throws `ERR_INVALID_GROUP_LINK` for anything else. */
export function parseGroupLink (text: string): GroupLink {
  const trimmed = text.trim()
  if (!trimmed.startsWith(GROUP_LINK_PREFIX) || trimmed.length > MAX_GROUP_LINK_CHARS) throw new InvalidGroupLinkError()
  let decoded: GroupInviteLink
  try {
    decoded = GroupInviteLink.decode(base64url.baseDecode(trimmed.slice(GROUP_LINK_PREFIX.length)))
  } catch (err) {
    throw new InvalidGroupLinkError('Undecodable group invite link', { cause: err })
  }
  if (decoded.version !== GROUP_LINK_VERSION) throw new InvalidGroupLinkError(`Unsupported group link version ${decoded.version}`)
  if (decoded.groupId.length !== GROUP_ID_LENGTH || decoded.secret.length !== GROUP_LINK_ID_LENGTH || decoded.creator.length !== 32) throw new InvalidGroupLinkError()
  if (decoded.name.length > MAX_GROUP_NAME_LENGTH) throw new InvalidGroupLinkError('Group name too long')
  return { groupId: decoded.groupId, secret: decoded.secret, creator: decoded.creator, expiresAt: Number(decoded.expiresAt), name: decoded.name }
}
