import { ed25519 } from '@noble/curves/ed25519.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { concatBytes, toHex } from '../bytes.js'
import { FleetRecordBody, SignedFleetRecord, type FleetMember } from '../wire/fleet.js'
import { FLEET_KEY_PREFIX } from './account-record.js'
import { decodeAddress, encodeAddress } from './address.js'
import { InvalidFleetRecordError } from './errors.js'
import type { SigningKeyPair } from './keys.js'

export type { FleetMember, FleetRecordBody } from '../wire/fleet.js'

/** Largest signed fleet record accepted anywhere (DHT, config file, cache). */
export const MAX_FLEET_RECORD_BYTES = 16 * 1024
/** Current fleet record format version. */
export const FLEET_RECORD_VERSION = 1
/** Member relays one record may list. */
export const MAX_FLEET_MEMBERS = 64
/** Addresses one member may list. */
export const MAX_FLEET_MEMBER_ADDRS = 8
/** Longest PeerId (multihash bytes) and multiaddr (bytes) a member entry may carry. */
export const MAX_FLEET_PEER_ID_BYTES = 64
export const MAX_FLEET_MULTIADDR_BYTES = 512
/** Longest validity an operator may sign (`expires_at − issued_at`): a leaked old record dies within it. */
export const MAX_FLEET_RECORD_LIFETIME_MS = 400 * 24 * 3600 * 1000
export { FLEET_KEY_PREFIX }
/** How a fleet is named where a relay multiaddr could stand (`--relay fleet:<id>`). */
export const FLEET_REF_PREFIX = 'fleet:'

const RECORD_DOMAIN = new TextEncoder().encode('parley/fleet-record/v1')

/** The fleet's id: its operator key in the address text form (base58, with checksum). */
export function encodeFleetId (operatorKey: Uint8Array): string {
  return encodeAddress(operatorKey)
}

/** The operator key a fleet id names; a typo fails the checksum (`ERR_INVALID_ADDRESS`). */
export function decodeFleetId (fleetId: string): Uint8Array {
  return decodeAddress(fleetId)
}

/** The DHT key of a fleet record: `/parley/fleet/<fleet id>`. */
export function fleetDhtKey (operatorKey: Uint8Array): Uint8Array {
  return new TextEncoder().encode(FLEET_KEY_PREFIX + encodeFleetId(operatorKey))
}

/** The operator key named by a fleet record's DHT key, or a typed error. */
export function operatorKeyFromDhtKey (key: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(key)
  if (!text.startsWith(FLEET_KEY_PREFIX)) throw new InvalidFleetRecordError('Not a fleet record key', 'ERR_INVALID_RECORD_KEY')
  try {
    return decodeFleetId(text.slice(FLEET_KEY_PREFIX.length))
  } catch {
    throw new InvalidFleetRecordError('Fleet record key names no valid operator key', 'ERR_INVALID_RECORD_KEY')
  }
}

/**
 * Signs a fleet record body with the operator key (offline: `parley fleet sign`).
 *
 * @example
 * ```ts
 * const bytes = signFleetRecord({ version: 1, operatorKey: op.publicKey, sequence: BigInt(now), issuedAt: BigInt(now), expiresAt: BigInt(now + 30 * DAY), members }, op)
 * ```
 */
export function signFleetRecord (body: FleetRecordBody, operator: SigningKeyPair): Uint8Array {
  if (!equalBytes(body.operatorKey, operator.publicKey)) {
    throw new InvalidFleetRecordError('Record names another operator key', 'ERR_RECORD_KEY_MISMATCH')
  }
  checkBody(body)
  const bodyBytes = FleetRecordBody.encode(body)
  const signature = ed25519.sign(concatBytes(RECORD_DOMAIN, bodyBytes), operator.secretKey)
  const signed = SignedFleetRecord.encode({ body: bodyBytes, signature })
  if (signed.length > MAX_FLEET_RECORD_BYTES) throw new InvalidFleetRecordError('Fleet record is too large', 'ERR_RECORD_TOO_LARGE')
  return signed
}

export interface VerifyFleetOptions {
  /** When given, the record must be signed by this operator key (the fleet the caller asked for). */
  operatorKey?: Uint8Array
  /** Time used for the expiry check (ms); defaults to now. */
  now?: number
}

export interface VerifiedFleetRecord {
  body: FleetRecordBody
  /** The fleet's id (its operator key, as text). */
  fleetId: string
  /** The signed record's bytes, as verified. */
  bytes: Uint8Array
}

/**
 * Decodes and checks a signed fleet record: size, format, the operator's signature over the
 * exact body bytes (so no member can be added, removed or changed by anyone else), that it is
 * the asked-for fleet's, well-formed members, and expiry. Throws {@link InvalidFleetRecordError}
 * with a specific `code` on any failure.
 */
export function verifyFleetRecord (bytes: Uint8Array, options: VerifyFleetOptions = {}): VerifiedFleetRecord {
  if (bytes.length > MAX_FLEET_RECORD_BYTES) throw new InvalidFleetRecordError('Fleet record is too large', 'ERR_RECORD_TOO_LARGE')
  let signed: SignedFleetRecord
  let body: FleetRecordBody
  try {
    signed = SignedFleetRecord.decode(bytes)
    body = FleetRecordBody.decode(signed.body, { limits: { members: MAX_FLEET_MEMBERS, members$: { multiaddrs: MAX_FLEET_MEMBER_ADDRS } } })
  } catch (err) {
    throw new InvalidFleetRecordError(`Malformed fleet record: ${(err as Error).message}`, 'ERR_MALFORMED_RECORD')
  }
  if (body.version !== FLEET_RECORD_VERSION) throw new InvalidFleetRecordError(`Unsupported fleet record version ${body.version}`, 'ERR_RECORD_VERSION')
  if (body.operatorKey.length !== 32 || signed.signature.length !== 64) throw new InvalidFleetRecordError('Bad key or signature length', 'ERR_MALFORMED_RECORD')
  if (options.operatorKey != null && !equalBytes(options.operatorKey, body.operatorKey)) {
    throw new InvalidFleetRecordError('Record belongs to another fleet', 'ERR_RECORD_KEY_MISMATCH')
  }
  let valid = false
  try { valid = ed25519.verify(signed.signature, concatBytes(RECORD_DOMAIN, signed.body), body.operatorKey) } catch { valid = false }
  if (!valid) throw new InvalidFleetRecordError('Fleet record signature is invalid', 'ERR_BAD_RECORD_SIGNATURE')
  checkBody(body)
  const now = options.now ?? Date.now()
  if (Number(body.expiresAt) < now) throw new InvalidFleetRecordError('Fleet record has expired', 'ERR_RECORD_EXPIRED')
  return { body, fleetId: encodeFleetId(body.operatorKey), bytes }
}

/** Returns the index of the record that wins: highest sequence, then latest issue time. */
export function selectFleetRecord (records: Uint8Array[]): number {
  let best = -1
  let bestBody: FleetRecordBody | undefined
  records.forEach((bytes, index) => {
    let body: FleetRecordBody
    try { body = FleetRecordBody.decode(SignedFleetRecord.decode(bytes).body) } catch { return }
    if (bestBody == null || body.sequence > bestBody.sequence ||
      (body.sequence === bestBody.sequence && body.issuedAt > bestBody.issuedAt)) {
      best = index
      bestBody = body
    }
  })
  return best === -1 ? 0 : best
}

/** The `expires_at` (ms) of a signed fleet record, without verifying it; undefined when it does not decode. */
export function fleetRecordExpiry (bytes: Uint8Array): number | undefined {
  try {
    return Number(FleetRecordBody.decode(SignedFleetRecord.decode(bytes).body).expiresAt)
  } catch {
    return undefined
  }
}

/** Members, lifetime: what an operator may sign and a reader accepts (`ERR_MALFORMED_RECORD` otherwise). */
function checkBody (body: FleetRecordBody): void {
  const bad = (why: string): InvalidFleetRecordError => new InvalidFleetRecordError(`Malformed fleet record: ${why}`, 'ERR_MALFORMED_RECORD')
  if (body.members.length === 0) throw bad('no members')
  if (body.members.length > MAX_FLEET_MEMBERS) throw bad(`more than ${MAX_FLEET_MEMBERS} members`)
  if (body.expiresAt <= body.issuedAt) throw bad('expires before it is issued')
  if (body.expiresAt - body.issuedAt > BigInt(MAX_FLEET_RECORD_LIFETIME_MS)) throw bad('valid for longer than 400 days')
  const seen = new Set<string>()
  for (const member of body.members) {
    if (member.peerId.length === 0 || member.peerId.length > MAX_FLEET_PEER_ID_BYTES) throw bad('a member PeerId has a bad length')
    const id = toHex(member.peerId)
    if (seen.has(id)) throw bad('a member is listed twice')
    seen.add(id)
    if (member.multiaddrs.length === 0 || member.multiaddrs.length > MAX_FLEET_MEMBER_ADDRS) throw bad(`a member needs 1 to ${MAX_FLEET_MEMBER_ADDRS} addresses`)
    if (member.multiaddrs.some((a) => a.length === 0 || a.length > MAX_FLEET_MULTIADDR_BYTES)) throw bad('a member address has a bad length')
  }
}

/** True for a member entry whose PeerId bytes are `peerId` (multihash bytes). */
export function isFleetMember (body: FleetRecordBody, peerId: Uint8Array): FleetMember | undefined {
  return body.members.find((m) => equalBytes(m.peerId, peerId))
}
