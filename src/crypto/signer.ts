import type { AbortOptions } from '@libp2p/interface'

/**
 * Signs with a key it never hands out: what `device/` gives the layers above instead of secret
 * key bytes (`net/` answers mailbox challenges with it, the messenger signs with it).
 *
 * @example
 * ```ts
 * const signature = await signer.sign(message, { signal })
 * await backend.ed25519Verify(signer.publicKey, message, signature) // true
 * ```
 */
export interface Signer {
  /** The Ed25519 public key signatures verify against. */
  readonly publicKey: Uint8Array
  /** An Ed25519 signature of `message`. */
  sign: (message: Uint8Array, options?: AbortOptions) => Promise<Uint8Array>
}
