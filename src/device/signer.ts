import type { AbortOptions } from '@libp2p/interface'
import { isAllZero } from '../bytes.js'
import type { CryptoBackend, KeyPair, Signer } from '../crypto/index.js'
import { KeyWipedError } from './errors.js'

/**
 * A {@link Signer} over an Ed25519 key pair held by `device/`: the secret half stays in this
 * closure (the only copy is the device identity's, wiped when the node stops; a signer used after
 * that throws {@link KeyWipedError} rather than sign with a zeroed key).
 *
 * @example
 * ```ts
 * const signer = deviceSigner(identity.device.signing, backend)
 * const signature = await signer.sign(message)
 * ```
 */
export function deviceSigner (keyPair: KeyPair, backend: CryptoBackend): Signer {
  const secret = keyPair.privateKey
  return {
    publicKey: keyPair.publicKey,
    async sign (message: Uint8Array, options: AbortOptions = {}): Promise<Uint8Array> {
      options.signal?.throwIfAborted()
      if (isAllZero(secret)) throw new KeyWipedError()
      return await backend.ed25519Sign(secret, message)
    }
  }
}
