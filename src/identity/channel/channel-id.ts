import { sha256 } from '@noble/hashes/sha2.js'
import { base64url } from 'multiformats/bases/base64'
import { fromUtf8, toHex, utf8 } from '../../bytes.js'
import { CHANNEL_LINK_PREFIX, CHANNEL_TOPIC_PREFIX, MAX_CHANNEL_NAME_BYTES } from './constants.js'
import { InvalidChannelLinkError } from './errors.js'

/**
 * A channel's id: the first 16 bytes of SHA-256 of its Ed25519 public key, in hex (32 chars).
 *
 * @example
 * ```ts
 * channelId(keys.publicKey) // '3f9a…'
 * ```
 */
export function channelId (channelKey: Uint8Array): string {
  return toHex(sha256(channelKey).subarray(0, 16))
}

/** The gossipsub topic a channel's posts travel on. */
export function channelTopic (channelKey: Uint8Array): string {
  return CHANNEL_TOPIC_PREFIX + channelId(channelKey)
}

/** What a subscription link carries. */
export interface ChannelLink {
  /** The channel's Ed25519 public key (32 bytes): its id and the key posts are checked against. */
  channelKey: Uint8Array
  /** The display name (informative; posts carry the signed one). */
  name: string
  /** Private channels: the 32-byte key posts are sealed under. */
  secret?: Uint8Array
}

/**
 * `parley://channel/<key>?name=<name>[#<secret>]` (base64url, no padding). The secret sits in the
 * fragment, which browsers never send to a server.
 */
export function formatChannelLink (link: ChannelLink): string {
  const key = base64url.baseEncode(link.channelKey)
  const name = encodeURIComponent(link.name)
  return `${CHANNEL_LINK_PREFIX}${key}?name=${name}${link.secret != null ? `#${base64url.baseEncode(link.secret)}` : ''}`
}

/** Parses a link of {@link formatChannelLink}; throws `ERR_INVALID_CHANNEL_LINK`. */
export function parseChannelLink (text: string): ChannelLink {
  const trimmed = text.trim()
  if (!trimmed.startsWith(CHANNEL_LINK_PREFIX) || trimmed.length > 1024) throw new InvalidChannelLinkError()
  const rest = trimmed.slice(CHANNEL_LINK_PREFIX.length)
  const hashAt = rest.indexOf('#')
  const beforeHash = hashAt === -1 ? rest : rest.slice(0, hashAt)
  const fragment = hashAt === -1 ? undefined : rest.slice(hashAt + 1)
  const queryAt = beforeHash.indexOf('?')
  const keyText = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt)
  const params = new URLSearchParams(queryAt === -1 ? '' : beforeHash.slice(queryAt + 1))
  const channelKey = decode(keyText, 32)
  const name = params.get('name') ?? ''
  if (utf8(name).length > MAX_CHANNEL_NAME_BYTES) throw new InvalidChannelLinkError('Channel name too long')
  const link: ChannelLink = { channelKey, name: fromUtf8(utf8(name)) }
  if (fragment != null && fragment !== '') link.secret = decode(fragment, 32)
  return link
}

function decode (text: string, length: number): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = base64url.baseDecode(text)
  } catch {
    throw new InvalidChannelLinkError()
  }
  if (bytes.length !== length) throw new InvalidChannelLinkError()
  return bytes
}
