import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { concatBytes, equalBytes, u64be, utf8 } from '../../bytes.js'
import { ChannelAdmins, ChannelPost, PostBody } from '../../wire/channel.js'
import { MAX_CHANNEL_ADMINS, MAX_CHANNEL_NAME_BYTES, MAX_CHANNEL_POST_BYTES, MAX_CHANNEL_TEXT_BYTES, MAX_FILE_SOURCE_BYTES, MAX_FILE_SOURCES, MAX_REACTION_BYTES, MAX_TALLIES_PER_POST } from './constants.js'
import { ChannelPostInvalidError } from './errors.js'

const POST_DOMAIN = utf8('parley-channel-post-v1')
const ADMINS_DOMAIN = utf8('parley-channel-admins-v1')
const SEAL_DOMAIN = utf8('parley-channel-seal-v1')
const NONCE_BYTES = 24

/** A post checked by {@link verifyChannelPost}: its fields, its bytes and its chain hash. */
export interface VerifiedPost {
  post: ChannelPost
  bytes: Uint8Array
  /** SHA-256 of `bytes`: what the next post names as `prev`. */
  hash: Uint8Array
  /** Version of the admin list the author was named in; 0 for the owner. */
  adminsVersion: number
}

/** Signing material of an owner or admin. */
export interface ChannelSigner {
  secretKey: Uint8Array
  publicKey: Uint8Array
  /** An admin's: the owner's signed list naming it. */
  admins?: ChannelAdmins
}

/** What the author of a new post decides. */
export interface NewPost {
  channelKey: Uint8Array
  seq: number
  /** The previous post's hash; absent for seq 1. */
  prev?: Uint8Array
  body: PostBody
  createdAt: number
  /** Private channels: seal the body under this key. */
  secret?: Uint8Array
  /** Carry a (new) admin list even when the owner signs (ADMINS posts). */
  admins?: ChannelAdmins
}

/** The SHA-256 chain hash of a post's bytes. */
export function postHash (bytes: Uint8Array): Uint8Array {
  return sha256(bytes)
}

/** The owner's signed admin list. */
export function signChannelAdmins (owner: { secretKey: Uint8Array, publicKey: Uint8Array }, version: number, admins: Uint8Array[]): ChannelAdmins {
  if (admins.length > MAX_CHANNEL_ADMINS) throw new ChannelPostInvalidError('bad-admins', `At most ${MAX_CHANNEL_ADMINS} admins`)
  const unsigned: ChannelAdmins = { channelKey: owner.publicKey, version: BigInt(version), admins, signature: new Uint8Array(0) }
  return { ...unsigned, signature: ed25519.sign(concatBytes(ADMINS_DOMAIN, ChannelAdmins.encode(unsigned)), owner.secretKey) }
}

/** True when `list` is signed by the channel's owner key. */
export function verifyChannelAdmins (list: ChannelAdmins, channelKey: Uint8Array): boolean {
  if (!equalBytes(list.channelKey, channelKey) || list.admins.length > MAX_CHANNEL_ADMINS) return false
  if (list.admins.some((a) => a.length !== 32) || list.signature.length !== 64) return false
  try {
    return ed25519.verify(list.signature, concatBytes(ADMINS_DOMAIN, ChannelAdmins.encode({ ...list, signature: new Uint8Array(0) })), channelKey)
  } catch {
    return false
  }
}

/** Builds, seals (private channels) and signs one post: its encoded bytes. */
export function signChannelPost (signer: ChannelSigner, draft: NewPost): Uint8Array {
  checkBody(draft.body)
  let body = PostBody.encode(draft.body)
  if (draft.secret != null) body = sealBody(draft.secret, draft.channelKey, draft.seq, body)
  const admins = draft.admins ?? (equalBytes(signer.publicKey, draft.channelKey) ? undefined : signer.admins)
  const unsigned: ChannelPost = {
    channelKey: draft.channelKey,
    seq: BigInt(draft.seq),
    prev: draft.prev ?? new Uint8Array(0),
    author: signer.publicKey,
    createdAt: BigInt(draft.createdAt),
    encrypted: draft.secret != null,
    body,
    ...(admins != null ? { admins } : {}),
    signature: new Uint8Array(0)
  }
  const signature = ed25519.sign(concatBytes(POST_DOMAIN, ChannelPost.encode(unsigned)), signer.secretKey)
  const bytes = ChannelPost.encode({ ...unsigned, signature })
  if (bytes.length > MAX_CHANNEL_POST_BYTES) throw new ChannelPostInvalidError('too-large')
  return bytes
}

/**
 * Checks one post's bytes against its channel: size, canonical encoding, shape, that the author
 * is the owner or an admin the owner signed, and the author's signature. Stateless: the chain
 * (`prev`) and admin-list freshness are the caller's (it knows the neighbours). Throws
 * {@link ChannelPostInvalidError}.
 */
export function verifyChannelPost (bytes: Uint8Array, channelKey: Uint8Array): VerifiedPost {
  if (bytes.length > MAX_CHANNEL_POST_BYTES) throw new ChannelPostInvalidError('too-large')
  let post: ChannelPost
  try {
    post = ChannelPost.decode(bytes, { limits: { admins: { admins: MAX_CHANNEL_ADMINS } } })
  } catch {
    throw new ChannelPostInvalidError('malformed')
  }
  if (!equalBytes(ChannelPost.encode(post), bytes)) throw new ChannelPostInvalidError('non-canonical')
  if (!equalBytes(post.channelKey, channelKey)) throw new ChannelPostInvalidError('wrong-channel')
  if (post.seq < 1n || post.seq > BigInt(Number.MAX_SAFE_INTEGER)) throw new ChannelPostInvalidError('bad-seq')
  if (post.seq === 1n ? post.prev.length !== 0 : post.prev.length !== 32) throw new ChannelPostInvalidError('bad-prev')
  if (post.author.length !== 32 || post.signature.length !== 64) throw new ChannelPostInvalidError('malformed')
  let adminsVersion = 0
  if (post.admins != null && !verifyChannelAdmins(post.admins, channelKey)) throw new ChannelPostInvalidError('bad-admins')
  if (!equalBytes(post.author, channelKey)) {
    if (post.admins == null || !post.admins.admins.some((a) => equalBytes(a, post.author))) throw new ChannelPostInvalidError('not-admin')
    adminsVersion = Number(post.admins.version)
  }
  let valid = false
  try {
    valid = ed25519.verify(post.signature, concatBytes(POST_DOMAIN, ChannelPost.encode({ ...post, signature: new Uint8Array(0) })), post.author)
  } catch {}
  if (!valid) throw new ChannelPostInvalidError('bad-signature')
  return { post, bytes, hash: postHash(bytes), adminsVersion }
}

/** True when `next` names `prev` as its predecessor (seq and hash). */
export function followsInChain (prev: VerifiedPost, next: VerifiedPost): boolean {
  return next.post.seq === prev.post.seq + 1n && equalBytes(next.post.prev, prev.hash)
}

/** The post's body, opened with the channel secret when sealed. Throws `undecryptable`/`malformed`. */
export function readPostBody (verified: VerifiedPost, secret?: Uint8Array): PostBody {
  const { post } = verified
  let raw = post.body
  if (post.encrypted) {
    if (secret == null) throw new ChannelPostInvalidError('undecryptable', 'Private channel post: no channel key')
    raw = openBody(secret, post.channelKey, Number(post.seq), raw)
  }
  let body: PostBody
  try {
    body = PostBody.decode(raw)
  } catch {
    throw new ChannelPostInvalidError('malformed')
  }
  checkBody(body)
  return body
}

/** A fresh 32-byte key for a private channel. */
export function generateChannelSecret (): Uint8Array {
  return randomBytes(32)
}

function checkBody (body: PostBody): void {
  if (utf8(body.text).length > MAX_CHANNEL_TEXT_BYTES) throw new ChannelPostInvalidError('too-large', 'Post text too long')
  if (utf8(body.channelName).length > MAX_CHANNEL_NAME_BYTES) throw new ChannelPostInvalidError('too-large', 'Channel name too long')
  const sources = body.file?.sources ?? []
  if (sources.length > MAX_FILE_SOURCES || sources.some((a) => utf8(a).length > MAX_FILE_SOURCE_BYTES)) throw new ChannelPostInvalidError('too-large', 'Too many file sources')
  const tallies = body.tallies?.tallies ?? []
  if (tallies.length > MAX_TALLIES_PER_POST) throw new ChannelPostInvalidError('too-large', 'Too many tallies')
  for (const tally of tallies) {
    if (tally.reactions.some((r) => r.emoji === '' || utf8(r.emoji).length > MAX_REACTION_BYTES)) throw new ChannelPostInvalidError('malformed', 'Bad reaction in a tally')
  }
}

function sealAd (channelKey: Uint8Array, seq: number): Uint8Array {
  return concatBytes(SEAL_DOMAIN, channelKey, u64be(seq))
}

function sealBody (secret: Uint8Array, channelKey: Uint8Array, seq: number, plain: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES)
  return concatBytes(nonce, xchacha20poly1305(secret, nonce, sealAd(channelKey, seq)).encrypt(plain))
}

function openBody (secret: Uint8Array, channelKey: Uint8Array, seq: number, sealed: Uint8Array): Uint8Array {
  if (sealed.length < NONCE_BYTES + 16) throw new ChannelPostInvalidError('undecryptable')
  try {
    return xchacha20poly1305(secret, sealed.subarray(0, NONCE_BYTES), sealAd(channelKey, seq)).decrypt(sealed.subarray(NONCE_BYTES))
  } catch {
    throw new ChannelPostInvalidError('undecryptable')
  }
}
