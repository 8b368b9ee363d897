/**
 * The primitives the protocol needs, behind one async interface with two implementations that
 * produce identical bytes: {@link nobleBackend} (portable, the reference) and `nativeBackend`
 * (node:crypto in Node, WebCrypto in browsers). Keys cross this boundary as raw bytes only, so
 * protocol state stays serialisable; implementations may cache platform key objects per array.
 *
 * Randomness is injectable (`randomBytes`): every random value the protocol uses is drawn from
 * it, which is how the frozen test vectors are generated.
 */

/** Returns `length` fresh random bytes. */
export type RandomSource = (length: number) => Uint8Array

/** An X25519 or Ed25519 key pair as raw bytes (Ed25519 private key = 32-byte seed). */
export interface KeyPair {
  publicKey: Uint8Array
  privateKey: Uint8Array
}

/** Result of ML-KEM encapsulation. */
export interface KemEncapsulation {
  cipherText: Uint8Array
  sharedSecret: Uint8Array
}

/**
 * Cryptographic primitives used by the protocol. All key and nonce lengths are checked;
 * a wrong length throws `InvalidKeyError`, a failed AEAD open throws `DecryptError`.
 *
 * @example
 * ```ts
 * import { nativeBackend } from './backend-native.js'
 * const priv = nativeBackend.randomBytes(32)
 * const pub = await nativeBackend.x25519PublicKey(priv)
 * ```
 */
export interface CryptoBackend {
  /** 'noble' or 'native' (for benchmarks and diagnostics). */
  readonly name: string
  /** Randomness source; the protocol draws every random value from it. */
  randomBytes: RandomSource
  /** X25519 public key of a 32-byte private key (clamped internally, RFC 7748). */
  x25519PublicKey: (privateKey: Uint8Array) => Promise<Uint8Array>
  /**
   * Optional: a fresh X25519 key pair from the platform's own randomness (lets a native backend
   * keep the key object it generated). Only present when no `random` was injected.
   */
  x25519GenerateKeyPair?: () => Promise<KeyPair>
  /** X25519 shared secret; throws `InvalidKeyError` for an all-zero result (low-order point). */
  x25519: (privateKey: Uint8Array, publicKey: Uint8Array) => Promise<Uint8Array>
  /** Ed25519 public key of a 32-byte seed (RFC 8032). */
  ed25519PublicKey: (seed: Uint8Array) => Promise<Uint8Array>
  /** Ed25519 signature (64 bytes) over `message`. */
  ed25519Sign: (seed: Uint8Array, message: Uint8Array) => Promise<Uint8Array>
  /** Strict RFC 8032 verification (no ZIP-215 leniency); never throws for a bad signature. */
  ed25519Verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>
  /** ML-KEM-768 encapsulation key of a 64-byte seed (d || z, FIPS 203 keygen_internal). */
  mlKemPublicKey: (seed: Uint8Array) => Promise<Uint8Array>
  /** ML-KEM-768 encapsulation to a 1184-byte public key. */
  mlKemEncapsulate: (publicKey: Uint8Array) => Promise<KemEncapsulation>
  /** ML-KEM-768 decapsulation with the 64-byte seed form of the private key. */
  mlKemDecapsulate: (seed: Uint8Array, cipherText: Uint8Array) => Promise<Uint8Array>
  /** SHA-256 digest. */
  sha256: (data: Uint8Array) => Promise<Uint8Array>
  /** HMAC-SHA256. */
  hmacSha256: (key: Uint8Array, data: Uint8Array) => Promise<Uint8Array>
  /** HKDF-SHA256 (RFC 5869) extract-and-expand. */
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) => Promise<Uint8Array>
  /** ChaCha20-Poly1305 (RFC 8439) seal: ciphertext || 16-byte tag. */
  aeadSeal: (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array) => Promise<Uint8Array>
  /** ChaCha20-Poly1305 open; throws `DecryptError` when the tag does not verify. */
  aeadOpen: (key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array) => Promise<Uint8Array>
}

/** Options of the backend factories. */
export interface BackendInit {
  /**
   * Randomness source.
   *
   * @default crypto.getRandomValues
   */
  random?: RandomSource
}

/** Cryptographically secure randomness from the platform (chunked: getRandomValues caps at 64 KiB). */
export function secureRandom (length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let offset = 0; offset < length; offset += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)))
  }
  return out
}

/** Fresh X25519 key pair from the backend's randomness. */
export async function generateX25519KeyPair (backend: CryptoBackend): Promise<KeyPair> {
  if (backend.x25519GenerateKeyPair !== undefined) return await backend.x25519GenerateKeyPair()
  const privateKey = backend.randomBytes(32)
  return { publicKey: await backend.x25519PublicKey(privateKey), privateKey }
}

/** Fresh Ed25519 key pair (private key = 32-byte seed) from the backend's randomness. */
export async function generateEd25519KeyPair (backend: CryptoBackend): Promise<KeyPair> {
  const privateKey = backend.randomBytes(32)
  return { publicKey: await backend.ed25519PublicKey(privateKey), privateKey }
}

/** Fresh ML-KEM-768 key pair (private key = 64-byte seed) from the backend's randomness. */
export async function generateMlKemKeyPair (backend: CryptoBackend): Promise<KeyPair> {
  const privateKey = backend.randomBytes(64)
  return { publicKey: await backend.mlKemPublicKey(privateKey), privateKey }
}
