import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { base64 } from 'multiformats/bases/base64'
import { KeystoreFormatError, WrongPassphraseError } from './errors.js'

/** scrypt cost parameters. The default costs ~0.3 s on a 2-core machine. */
export interface ScryptParams {
  N: number
  r: number
  p: number
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 16, r: 8, p: 1 }
/** Cheap parameters for tests only: never for real keys. */
export const TEST_SCRYPT: ScryptParams = { N: 2 ** 10, r: 8, p: 1 }
/** Largest keystore accepted from disk. */
export const MAX_KEYSTORE_BYTES = 1 << 20

const FORMAT = 'parley-keystore'
const VERSION = 1

interface KeystoreFile {
  format: string
  version: number
  kdf: { name: 'scrypt', N: number, r: number, p: number, salt: string }
  nonce: string
  ciphertext: string
}

/** Named secrets, e.g. `{ account: <32 bytes>, device: <32 bytes> }`. */
export type Secrets = Record<string, Uint8Array>

function associatedData (file: Omit<KeystoreFile, 'ciphertext'>): Uint8Array {
  const { format, version, kdf, nonce } = file
  return new TextEncoder().encode(JSON.stringify([format, version, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt, nonce]))
}

async function deriveKey (passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  return scryptAsync(passphrase.normalize('NFKC'), salt, { ...params, dkLen: 32, maxmem: 2 ** 30 })
}

/**
 * Seals secrets under a passphrase: scrypt → XChaCha20-Poly1305, the header as associated data.
 * Returns the keystore file's text.
 *
 * @example
 * ```ts
 * const text = await sealSecrets({ account: sk }, 'correct horse')
 * const secrets = await openSecrets(text, 'correct horse')
 * ```
 */
export async function sealSecrets (secrets: Secrets, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16)
  const nonce = randomBytes(24)
  const header = {
    format: FORMAT,
    version: VERSION,
    kdf: { name: 'scrypt' as const, ...params, salt: base64.baseEncode(salt) },
    nonce: base64.baseEncode(nonce)
  }
  const plain = new TextEncoder().encode(JSON.stringify(Object.fromEntries(
    Object.entries(secrets).map(([name, bytes]) => [name, base64.baseEncode(bytes)])
  )))
  const key = await deriveKey(passphrase, salt, params)
  try {
    const ciphertext = xchacha20poly1305(key, nonce, associatedData(header)).encrypt(plain)
    return JSON.stringify({ ...header, ciphertext: base64.baseEncode(ciphertext) } satisfies KeystoreFile, null, 2) + '\n'
  } finally {
    key.fill(0)
    plain.fill(0)
  }
}

function parseFile (text: string): KeystoreFile {
  if (text.length > MAX_KEYSTORE_BYTES) throw new KeystoreFormatError('Keystore is too large')
  let file: KeystoreFile
  try {
    file = JSON.parse(text) as KeystoreFile
  } catch {
    throw new KeystoreFormatError('Keystore is not JSON')
  }
  if (file?.format !== FORMAT) throw new KeystoreFormatError('Not a Parley keystore')
  if (file.version !== VERSION) throw new KeystoreFormatError(`Unsupported keystore version ${String(file.version)}`)
  const { kdf } = file
  if (kdf?.name !== 'scrypt' || !Number.isInteger(kdf.N) || !Number.isInteger(kdf.r) || !Number.isInteger(kdf.p) ||
    kdf.N < 2 || kdf.N > 2 ** 20 || kdf.r < 1 || kdf.r > 32 || kdf.p < 1 || kdf.p > 16) {
    throw new KeystoreFormatError('Keystore KDF parameters out of range')
  }
  if (typeof file.nonce !== 'string' || typeof file.ciphertext !== 'string' || typeof kdf.salt !== 'string') {
    throw new KeystoreFormatError('Keystore fields missing')
  }
  return file
}

/** Opens a keystore; throws {@link WrongPassphraseError} when the passphrase does not fit. */
export async function openSecrets (text: string, passphrase: string): Promise<Secrets> {
  const file = parseFile(text)
  let salt: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array
  try {
    salt = base64.baseDecode(file.kdf.salt)
    nonce = base64.baseDecode(file.nonce)
    ciphertext = base64.baseDecode(file.ciphertext)
  } catch {
    throw new KeystoreFormatError('Keystore fields are not base64')
  }
  if (nonce.length !== 24) throw new KeystoreFormatError('Keystore nonce has the wrong length')
  const key = await deriveKey(passphrase, salt, file.kdf)
  let plain: Uint8Array
  try {
    plain = xchacha20poly1305(key, nonce, associatedData(file)).decrypt(ciphertext)
  } catch {
    throw new WrongPassphraseError()
  } finally {
    key.fill(0)
  }
  try {
    const named = JSON.parse(new TextDecoder().decode(plain)) as Record<string, string>
    return Object.fromEntries(Object.entries(named).map(([name, b64]) => [name, base64.baseDecode(b64)]))
  } finally {
    plain.fill(0)
  }
}
