import type { AbortOptions } from '@libp2p/interface'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { concatBytes, u64, utf8 } from '../bytes.js'
import { DEFAULT_SCRYPT, MAX_SCRYPT_N, MIN_SCRYPT_N } from './constants.js'
import { IntegrityError, InvalidRecordError, WrongPassphraseError } from './errors.js'
import { scrypt32, type ScryptParams } from './scrypt.js'
import { decodeValue, encodeValue } from './value-codec.js'

export type { ScryptParams }

/**
 * The record kept under `/keyring`: the random 32-byte store key sealed with
 * XChaCha20-Poly1305 under `scrypt(passphrase, salt)`; the KDF parameters and salt are bound as
 * associated data. It is the only value not sealed by the store key itself.
 */
export interface KeyringRecord {
  v: 1
  kdf: 'scrypt'
  N: number
  r: number
  p: number
  salt: Uint8Array
  nonce: Uint8Array
  wrapped: Uint8Array
}

function checkParams (params: ScryptParams): void {
  const { N, r, p } = params
  if (!Number.isInteger(N) || N < MIN_SCRYPT_N || N > MAX_SCRYPT_N || (N & (N - 1)) !== 0) throw new InvalidRecordError(`scrypt N out of range: ${N}`)
  if (!Number.isInteger(r) || r < 1 || r > 32) throw new InvalidRecordError(`scrypt r out of range: ${r}`)
  if (!Number.isInteger(p) || p < 1 || p > 16) throw new InvalidRecordError(`scrypt p out of range: ${p}`)
}

function wrapAd (rec: Pick<KeyringRecord, 'N' | 'r' | 'p' | 'salt'>): Uint8Array {
  return concatBytes(utf8('parley/store/v1/keyring/scrypt'), u64(rec.N), u64(rec.r), u64(rec.p), rec.salt)
}

async function deriveKek (passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  return await scrypt32(utf8(passphrase.normalize('NFKC')), salt, params)
}

/**
 * Wraps `storeKey` under `passphrase`, returning the encoded {@link KeyringRecord}.
 *
 * @example
 * ```ts
 * const record = await wrapStoreKey(storeKey, 'correct horse', { N: 2 ** 15, r: 8, p: 1 })
 * const again = await unwrapStoreKey(record, 'correct horse') // equals storeKey
 * ```
 */
export async function wrapStoreKey (storeKey: Uint8Array, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<Uint8Array> {
  checkParams(params)
  const salt = randomBytes(16)
  const nonce = randomBytes(24)
  const kek = await deriveKek(passphrase, salt, params)
  try {
    const rec: KeyringRecord = { v: 1, kdf: 'scrypt', N: params.N, r: params.r, p: params.p, salt, nonce, wrapped: new Uint8Array() }
    rec.wrapped = xchacha20poly1305(kek, nonce, wrapAd(rec)).encrypt(storeKey)
    return encodeValue({ ...rec })
  } finally {
    kek.fill(0)
  }
}

/** Decodes and validates a keyring record. */
export function decodeKeyring (bytes: Uint8Array): KeyringRecord {
  const rec = decodeValue(bytes) as Partial<KeyringRecord> | null
  if (rec === null || typeof rec !== 'object' || rec.v !== 1 || rec.kdf !== 'scrypt' ||
    !(rec.salt instanceof Uint8Array) || !(rec.nonce instanceof Uint8Array) || !(rec.wrapped instanceof Uint8Array) ||
    rec.nonce.length !== 24 || rec.wrapped.length !== 48) {
    throw new IntegrityError('keyring record malformed')
  }
  const full = rec as KeyringRecord
  checkParams(full)
  return full
}

/**
 * Recovers the store key from an encoded keyring record; a wrong passphrase throws
 * {@link WrongPassphraseError}.
 *
 * @example
 * ```ts
 * await unwrapStoreKey(record, 'wrong') // throws WrongPassphraseError
 * ```
 */
export async function unwrapStoreKey (bytes: Uint8Array, passphrase: string, options: AbortOptions = {}): Promise<Uint8Array> {
  const rec = decodeKeyring(bytes)
  options.signal?.throwIfAborted()
  const kek = await deriveKek(passphrase, rec.salt, rec)
  options.signal?.throwIfAborted()
  try {
    return xchacha20poly1305(kek, rec.nonce, wrapAd(rec)).decrypt(rec.wrapped)
  } catch (err) {
    throw new WrongPassphraseError(undefined, { cause: err })
  } finally {
    kek.fill(0)
  }
}
