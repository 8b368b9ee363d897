import type { AbortOptions } from '@libp2p/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, toHex, utf8 } from '../../../bytes.js'
import type { CryptoBackend, Signer } from '../../../crypto/index.js'
import { InvalidSignatureError, MessageTooLargeError } from '../../../crypto/index.js'
import { GroupOp, SignedGroupOp } from '../../../wire/groups.js'
import {
  GROUP_ID_LENGTH, GROUP_LINK_ID_LENGTH, GROUP_OP_SIGNATURE_LABEL, GROUP_OP_VERSION, MAX_GROUP_MEMBERS, MAX_GROUP_NAME_LENGTH, MAX_GROUP_OP_BYTES, MAX_OP_PARENTS
} from './constants.js'
import { GroupOpInvalidError } from './errors.js'

/** A decoded, signature-checked operation and its hash (lowercase hex of SHA-256 of the signed bytes). */
export interface DecodedOp {
  hash: string
  op: GroupOp
  /** Parent hashes (hex). */
  parents: string[]
  /** Author account key (hex). */
  author: string
  /** Member account keys the op names (hex). */
  members: string[]
  /** The SignedGroupOp bytes, as received. */
  bytes: Uint8Array
}

const LABEL = utf8(GROUP_OP_SIGNATURE_LABEL)

/** Signs `op` with this device's key: the SignedGroupOp bytes, ready to travel. */
export async function signGroupOp (op: GroupOp, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const body = GroupOp.encode(op)
  const signature = await signer.sign(concatBytes(LABEL, body), options)
  return SignedGroupOp.encode({ op: body, signature })
}

/** The group id a CREATE operation founds: the first 16 bytes of its hash. */
export function groupIdOf (createBytes: Uint8Array): Uint8Array {
  return sha256(createBytes).subarray(0, GROUP_ID_LENGTH)
}

/**
 * Decodes a SignedGroupOp, checks every field's shape and the device's signature. Does not
 * check that the device belongs to the author, nor the op's place in a log (see `GroupLog`).
 * Throws `MessageTooLargeError`, `GroupOpInvalidError` or `InvalidSignatureError`.
 */
export async function decodeGroupOp (backend: CryptoBackend, bytes: Uint8Array): Promise<DecodedOp> {
  if (bytes.length > MAX_GROUP_OP_BYTES) throw new MessageTooLargeError(`Group operation of ${bytes.length} bytes exceeds ${MAX_GROUP_OP_BYTES}`)
  let signed: SignedGroupOp
  let op: GroupOp
  try {
    signed = SignedGroupOp.decode(bytes)
    op = GroupOp.decode(signed.op, { limits: { parents: MAX_OP_PARENTS, members: MAX_GROUP_MEMBERS } })
  } catch (err) {
    throw new GroupOpInvalidError('Undecodable group operation', { cause: err })
  }
  checkShape(op)
  if (!await backend.ed25519Verify(op.device, concatBytes(LABEL, signed.op), signed.signature)) {
    throw new InvalidSignatureError('Group operation signature does not verify')
  }
  const members = op.members.map(toHex)
  return { hash: toHex(sha256(bytes)), op, parents: [...new Set(op.parents.map(toHex))], author: toHex(op.author), members: [...new Set(members)], bytes }
}

function checkShape (op: GroupOp): void {
  const fail = (why: string): never => { throw new GroupOpInvalidError(`Invalid group operation: ${why}`) }
  if (op.version !== GROUP_OP_VERSION) fail(`version ${op.version}`)
  if (op.author.length !== 32 || op.device.length !== 32) fail('author and device must be 32-byte keys')
  if (op.parents.some((p) => p.length !== 32)) fail('parents must be 32-byte hashes')
  if (op.members.some((m) => m.length !== 32)) fail('members must be 32-byte account keys')
  if (op.name.length > MAX_GROUP_NAME_LENGTH) fail('name too long')
  const isCreate = op.kind === GroupOp.Kind.CREATE
  if (isCreate && (op.parents.length !== 0 || op.groupId.length !== 0)) fail('CREATE has no parents and no group id')
  if (!isCreate && (op.parents.length === 0 || op.groupId.length !== GROUP_ID_LENGTH)) fail('only CREATE may lack parents or a group id')
  const needsMembers = op.kind === GroupOp.Kind.ADD || op.kind === GroupOp.Kind.REMOVE || op.kind === GroupOp.Kind.PROMOTE || op.kind === GroupOp.Kind.DEMOTE
  if (needsMembers && op.members.length === 0) fail('names no members')
  if ((op.kind === GroupOp.Kind.RENAME || isCreate) && op.name.trim() === '') fail('empty name')
  if ((op.kind === GroupOp.Kind.LINK || op.kind === GroupOp.Kind.UNLINK) && op.linkId.length !== GROUP_LINK_ID_LENGTH) fail('a link operation names a 16-byte link id')
  if (op.kind !== GroupOp.Kind.LINK && op.kind !== GroupOp.Kind.UNLINK && op.linkId.length !== 0) fail('only link operations name a link')
  if (op.kind === GroupOp.Kind.UNKNOWN || !Object.values(GroupOp.Kind).includes(op.kind)) fail('unknown kind')
}
