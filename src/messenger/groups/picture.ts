import type { AbortOptions } from '@libp2p/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, toHex, utf8 } from '../../bytes.js'
import type { CryptoBackend, Signer } from '../../crypto/index.js'
import { InvalidSignatureError } from '../../crypto/index.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { GroupPicture, SignedGroupPicture } from '../../wire/groups.js'
import { GROUP_ID_LENGTH } from './membership/constants.js'

/** Largest group picture: a small image (a 256×256 WebP or JPEG fits). */
export const MAX_GROUP_PICTURE_BYTES = 16 * 1024
const LABEL = utf8('parley/group-picture/v1')
const VERSION = 1
/** The image types a group picture may have, by their first bytes. */
const MAGIC: Record<string, (b: Uint8Array) => boolean> = {
  'image/png': (b) => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/webp': (b) => b.length > 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP'
}

/** A group picture is too large, of a type other than PNG, JPEG or WebP, or not what its type says. */
export class InvalidGroupPictureError extends ParleyError {
  static override name = 'InvalidGroupPictureError'
  constructor (message: string, options?: { cause?: unknown }) { super(message, ErrorCode.INVALID_GROUP_PICTURE, options) }
}

/** A checked picture: who set it, when, and its hash (the tie-break). */
export interface OpenedPicture {
  author: string
  device: Uint8Array
  setAt: number
  mime: string
  image: Uint8Array
  hash: string
  bytes: Uint8Array
}

/** Throws unless `image` is at most 16 KiB of the `mime` it claims (PNG, JPEG, WebP); an empty image (removal) passes with an empty mime. */
export function checkImage (image: Uint8Array, mime: string): void {
  if (image.length === 0 && mime === '') return
  if (image.length > MAX_GROUP_PICTURE_BYTES) throw new InvalidGroupPictureError(`A group picture has at most ${MAX_GROUP_PICTURE_BYTES} bytes`)
  const looksRight = MAGIC[mime]
  if (looksRight == null) throw new InvalidGroupPictureError('A group picture is a PNG, JPEG or WebP image')
  if (!looksRight(image)) throw new InvalidGroupPictureError(`The picture is not a ${mime} image`)
}

/** A signed picture (or removal: `image` empty, `mime` '') for the group. */
export async function signPicture (fields: { groupId: Uint8Array, author: Uint8Array, signer: Signer, setAt: number, mime: string, image: Uint8Array }, options: AbortOptions = {}): Promise<Uint8Array> {
  checkImage(fields.image, fields.mime)
  const picture = GroupPicture.encode({ version: VERSION, groupId: fields.groupId, author: fields.author, device: fields.signer.publicKey, setAt: BigInt(fields.setAt), mime: fields.mime, image: fields.image })
  return SignedGroupPicture.encode({ picture, signature: await fields.signer.sign(concatBytes(LABEL, picture), options) })
}

/** Decodes and checks a signed picture of group `groupId` (shape, image, signature); not yet whether its author may set it. */
export async function openPicture (backend: CryptoBackend, bytes: Uint8Array, groupId: Uint8Array): Promise<OpenedPicture> {
  if (bytes.length > MAX_GROUP_PICTURE_BYTES + 512) throw new InvalidGroupPictureError('Group picture record too large')
  let signed: SignedGroupPicture
  let p: GroupPicture
  try {
    signed = SignedGroupPicture.decode(bytes)
    p = GroupPicture.decode(signed.picture)
  } catch (err) {
    throw new InvalidGroupPictureError('Undecodable group picture', { cause: err })
  }
  if (p.version !== VERSION || p.groupId.length !== GROUP_ID_LENGTH || toHex(p.groupId) !== toHex(groupId) || p.author.length !== 32 || p.device.length !== 32) throw new InvalidGroupPictureError('A group picture of another group, or malformed')
  checkImage(p.image, p.mime)
  if (!await backend.ed25519Verify(p.device, concatBytes(LABEL, signed.picture), signed.signature)) throw new InvalidSignatureError('Group picture signature does not verify')
  return { author: toHex(p.author), device: p.device, setAt: Number(p.setAt), mime: p.mime, image: p.image, hash: toHex(sha256(bytes)), bytes }
}

/** Whether `a` is newer than `b` (later set_at; on a tie the larger hash): every device keeps the same one. */
export function newerPicture (a: OpenedPicture, b: OpenedPicture | undefined): boolean {
  return b == null || a.setAt > b.setAt || (a.setAt === b.setAt && a.hash > b.hash)
}
