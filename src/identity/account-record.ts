import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, u32be } from '../bytes.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { AccountRecordBody, SignedAccountRecord, type DeviceEntry } from '../wire/parley.js'
import { decodeAddress, encodeAddress } from './address.js'
import { InvalidAccountRecordError } from './errors.js'
import type { SigningKeyPair } from './keys.js'

export type { AccountRecordBody, DeviceEntry, RelayEntry, SignedPrekey } from '../wire/parley.js'

/** Largest signed account record accepted anywhere (DHT, cache, disk). */
export const MAX_ACCOUNT_RECORD_BYTES = 32 * 1024
/** Most devices one account may have: a record listing more is invalid everywhere (DHT, cache, disk). */
export const MAX_ACCOUNT_DEVICES = 6
/** How many unlinked device keys a record remembers (the latest). */
export const MAX_REMOVED_DEVICES = 16
/** Current record format version. */
export const ACCOUNT_RECORD_VERSION = 1
/** DHT namespace (the part between the first two slashes of the key). */
export const DHT_NAMESPACE = 'parley'
/** Key prefix of account records in the DHT. */
export const ACCOUNT_KEY_PREFIX = `/${DHT_NAMESPACE}/acct/`
/**
 * Key prefix of fleet records in the DHT: `/parley/fleet/<fleet id>` (`fleet-record.ts`). Kept here
 * so that telling the two kinds of key apart needs no fleet code (the browser loads that lazily).
 */
export const FLEET_KEY_PREFIX = `/${DHT_NAMESPACE}/fleet/`
/** The inactivity periods a user may choose, in days (1, 3, 6 or 12 months). */
export const INACTIVITY_DAYS = [30, 90, 180, 365] as const
/** How long a freshly signed record stays valid. */
export const DEFAULT_RECORD_LIFETIME_MS = 7 * 24 * 3600 * 1000

const RECORD_DOMAIN = new TextEncoder().encode('parley/account-record/v1')
const DEVICE_DOMAIN = new TextEncoder().encode('parley/device-entry/v1')

/** What the device key signs to bind itself (and its libp2p PeerId and DH key) to an account. */
export function deviceEntryMessage (accountKey: Uint8Array, entry: Pick<DeviceEntry, 'peerId' | 'deviceKey' | 'identityDhKey'>): Uint8Array {
  return concatBytes(DEVICE_DOMAIN, accountKey, u32be(entry.peerId.length), entry.peerId, entry.deviceKey, entry.identityDhKey)
}

/** Signs a device entry with the device key (proof of possession). */
export function signDeviceEntry (accountKey: Uint8Array, entry: Omit<DeviceEntry, 'deviceSignature' | 'relayedOnly'> & { relayedOnly?: boolean }, deviceKey: SigningKeyPair): DeviceEntry {
  const deviceSignature = ed25519.sign(deviceEntryMessage(accountKey, entry), deviceKey.secretKey)
  return { ...entry, relayedOnly: entry.relayedOnly ?? false, deviceSignature }
}

/** The DHT key of an account: `/parley/acct/<address>`. */
export function accountDhtKey (accountKey: Uint8Array): Uint8Array {
  return new TextEncoder().encode(ACCOUNT_KEY_PREFIX + encodeAddress(accountKey))
}

/** The account key named by a DHT key, or a typed error. */
export function accountKeyFromDhtKey (key: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(key)
  if (!text.startsWith(ACCOUNT_KEY_PREFIX)) throw new InvalidAccountRecordError('Not an account record key', 'ERR_INVALID_RECORD_KEY')
  try {
    return decodeAddress(text.slice(ACCOUNT_KEY_PREFIX.length))
  } catch {
    throw new InvalidAccountRecordError('Account record key names no valid address', 'ERR_INVALID_RECORD_KEY')
  }
}

/** An account record body to sign: `fleets` (operator keys of the relay fleets it names) may be left out. */
export type AccountRecordInput = Omit<AccountRecordBody, 'fleets' | 'removedDevices'> & { fleets?: Uint8Array[], removedDevices?: Uint8Array[] }

/**
 * Signs an account record body with the account key.
 *
 * @example
 * ```ts
 * const bytes = signAccountRecord({ ...body, sequence: 2n }, accountKeys.account)
 * const { body: checked } = verifyAccountRecord(bytes)
 * ```
 */
export function signAccountRecord (input: AccountRecordInput, account: SigningKeyPair): Uint8Array {
  if (!equalBytes(input.accountKey, account.publicKey)) {
    throw new InvalidAccountRecordError('Record names another account key', 'ERR_RECORD_KEY_MISMATCH')
  }
  const body: AccountRecordBody = { ...input, fleets: input.fleets ?? [], removedDevices: input.removedDevices ?? [] }
  if (body.devices.length > MAX_ACCOUNT_DEVICES) {
    throw new InvalidAccountRecordError(`An account has at most ${MAX_ACCOUNT_DEVICES} devices`, 'ERR_TOO_MANY_DEVICES')
  }
  const bodyBytes = AccountRecordBody.encode(body)
  const signature = ed25519.sign(concatBytes(RECORD_DOMAIN, bodyBytes), account.secretKey)
  const signed = SignedAccountRecord.encode({ body: bodyBytes, signature })
  if (signed.length > MAX_ACCOUNT_RECORD_BYTES) throw new InvalidAccountRecordError('Account record is too large', 'ERR_RECORD_TOO_LARGE')
  return signed
}

export interface VerifyOptions {
  /** When given, the record must be signed by this account key. */
  accountKey?: Uint8Array
  /** Time used for the expiry check (ms); defaults to now. */
  now?: number
}

export interface VerifiedAccountRecord {
  body: AccountRecordBody
  address: string
  /** The signed record's bytes, as verified. */
  bytes: Uint8Array
}

/**
 * Decodes and checks a signed account record: size, format, account signature, every device's
 * proof of possession, expiry, and (optionally) that it belongs to `accountKey`.
 * Throws {@link InvalidAccountRecordError} with a specific `code` on any failure.
 */
export function verifyAccountRecord (bytes: Uint8Array, options: VerifyOptions = {}): VerifiedAccountRecord {
  if (bytes.length > MAX_ACCOUNT_RECORD_BYTES) throw new InvalidAccountRecordError('Account record is too large', 'ERR_RECORD_TOO_LARGE')
  let signed: SignedAccountRecord
  let body: AccountRecordBody
  try {
    signed = SignedAccountRecord.decode(bytes)
    body = AccountRecordBody.decode(signed.body, { limits: { devices: 16, relays: 8, removedDevices: MAX_REMOVED_DEVICES } })
  } catch (err) {
    throw new InvalidAccountRecordError(`Malformed account record: ${(err as Error).message}`, 'ERR_MALFORMED_RECORD')
  }
  if (body.version !== ACCOUNT_RECORD_VERSION) throw new InvalidAccountRecordError(`Unsupported record version ${body.version}`, 'ERR_RECORD_VERSION')
  if (body.accountKey.length !== 32 || signed.signature.length !== 64) throw new InvalidAccountRecordError('Bad key or signature length', 'ERR_MALFORMED_RECORD')
  if (body.fleets.some((key) => key.length !== 32)) throw new InvalidAccountRecordError('A fleet is not named by a 32-byte operator key', 'ERR_MALFORMED_RECORD')
  if (body.devices.length > MAX_ACCOUNT_DEVICES) {
    throw new InvalidAccountRecordError(`Account record lists ${body.devices.length} devices (at most ${MAX_ACCOUNT_DEVICES})`, 'ERR_TOO_MANY_DEVICES')
  }
  if (options.accountKey != null && !equalBytes(options.accountKey, body.accountKey)) {
    throw new InvalidAccountRecordError('Record belongs to another account', 'ERR_RECORD_KEY_MISMATCH')
  }
  let valid = false
  try { valid = ed25519.verify(signed.signature, concatBytes(RECORD_DOMAIN, signed.body), body.accountKey) } catch { valid = false }
  if (!valid) throw new InvalidAccountRecordError('Account record signature is invalid', 'ERR_BAD_RECORD_SIGNATURE')
  for (const device of body.devices) {
    let ok = false
    try {
      ok = device.deviceKey.length === 32 && device.identityDhKey.length === 32 &&
        ed25519.verify(device.deviceSignature, deviceEntryMessage(body.accountKey, device), device.deviceKey)
    } catch { ok = false }
    if (!ok) throw new InvalidAccountRecordError('A device entry is not signed by its device key', 'ERR_BAD_DEVICE_SIGNATURE')
  }
  const now = options.now ?? Date.now()
  if (Number(body.expiresAt) < now) throw new InvalidAccountRecordError('Account record has expired', 'ERR_RECORD_EXPIRED')
  return { body, address: encodeAddress(body.accountKey), bytes }
}

/** Returns the index of the record that wins: highest sequence, then latest issue time, then bytes. */
export function selectAccountRecord (records: Uint8Array[]): number {
  let best = -1
  let bestBody: AccountRecordBody | undefined
  records.forEach((bytes, index) => {
    let body: AccountRecordBody
    try { body = AccountRecordBody.decode(SignedAccountRecord.decode(bytes).body) } catch { return }
    if (bestBody == null || body.sequence > bestBody.sequence ||
      (body.sequence === bestBody.sequence && body.issuedAt > bestBody.issuedAt)) {
      best = index
      bestBody = body
    }
  })
  return best === -1 ? 0 : best
}
