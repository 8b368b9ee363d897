import type { CryptoBackend } from '../crypto/backend.js'
import { acceptPrekeyMessage, initiateSession, type PrekeyLookup } from '../crypto/pqxdh.js'
import type { DeviceKeys } from '../crypto/prekeys.js'
import { openSealed, sealForDevice } from '../crypto/sealed-sender.js'
import type { SessionKeys } from '../crypto/session-keys.js'

/** The keys {@link deviceSessionKeys} works with: the account's public key and this device's key pairs. */
export interface SessionKeySource {
  account: { publicKey: Uint8Array }
  device: DeviceKeys
}

/**
 * {@link SessionKeys} over this device's identity and prekeys: the PQXDH handshake and the
 * sealed-sender box run here, so the secret halves stay in `device/` (the messenger's sessions
 * get this object, never the key pairs).
 *
 * @example
 * ```ts
 * const keys = deviceSessionKeys(node.identity, node.prekeys, node.backend)
 * const sessions = new E2ESessions(store, backend, keys)
 * ```
 */
export function deviceSessionKeys (identity: SessionKeySource, prekeys: { lookup: () => PrekeyLookup }, backend: CryptoBackend): SessionKeys {
  const { device } = identity
  return {
    accountKey: identity.account.publicKey,
    deviceKey: device.signing.publicKey,
    initiate: async (bundle) => (await initiateSession(backend, device, bundle)).state,
    accept: async (body, sender) => await acceptPrekeyMessage(backend, device, prekeys.lookup(), body, sender),
    seal: async (recipientIdentityDhKey, message) => await sealForDevice(backend, {
      sender: { accountKey: identity.account.publicKey, deviceKey: device.signing.publicKey, identityDh: device.identityDh },
      recipientIdentityDhKey,
      message
    }),
    open: async (sealed) => await openSealed(backend, device.identityDh, sealed)
  }
}
