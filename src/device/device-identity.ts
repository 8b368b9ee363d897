import type { AbortOptions } from '@libp2p/interface'
// the crypto modules it needs, not crypto/index.js (which would bring the E2E session code into the browser's first load)
import type { CryptoBackend } from '../crypto/backend.js'
import { nativeBackend } from '../crypto/backend-native.js'
import { generateDeviceKeys, type DeviceKeys } from '../crypto/prekeys.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { generateSigningKeyPair, signingKeyPairFromSeed, type SigningKeyPair } from '../identity/keys.js'
import { StoreCorruptError, type Store } from '../store/index.js'
import { NoAccountError } from './errors.js'

/** Everything secret that makes this device this account's device. */
export interface DeviceIdentity {
  /** The account key (Ed25519); its public half is the address. */
  account: SigningKeyPair
  /** Device signing key (Ed25519) and identity DH key (X25519). */
  device: DeviceKeys
  /** Seed of the libp2p key (PeerId). */
  libp2pSeed: Uint8Array
}

/** Names of the identity blobs in the store. */
const NAMES = {
  account: 'account-secret',
  deviceSigning: 'device-signing-secret',
  identityDh: 'identity-dh-secret',
  libp2p: 'libp2p-seed'
} as const

/** True when the store already holds an account. */
export async function storeHasAccount (store: Store, options: AbortOptions = {}): Promise<boolean> {
  return (await store.identity.get(NAMES.account, options)) != null
}

/**
 * Loads this device's keys from the (encrypted) store, or creates and stores them when
 * `create` is set and none exist. Throws NoAccountError otherwise.
 */
export async function loadOrCreateIdentity (store: Store, options: AbortOptions & { create?: boolean, backend?: CryptoBackend } = {}): Promise<{ identity: DeviceIdentity, created: boolean }> {
  const backend = options.backend ?? nativeBackend
  const accountSecret = await store.identity.get(NAMES.account, options)
  if (accountSecret != null) {
    const signing = await store.identity.get(NAMES.deviceSigning, options)
    const identityDh = await store.identity.get(NAMES.identityDh, options)
    const libp2pSeed = await store.identity.get(NAMES.libp2p, options)
    if (signing == null || identityDh == null || libp2pSeed == null) throw new NoAccountError('The store holds an incomplete identity')
    return {
      created: false,
      identity: {
        account: signingKeyPairFromSeed(accountSecret),
        device: {
          signing: { privateKey: signing, publicKey: await backend.ed25519PublicKey(signing) },
          identityDh: { privateKey: identityDh, publicKey: await backend.x25519PublicKey(identityDh) }
        },
        libp2pSeed
      }
    }
  }
  if (options.create !== true) throw new NoAccountError()
  // a store that holds data but no account is damaged: never put a new account over it
  if (!(await store.isBlank(options))) throw new StoreCorruptError('The store holds data but no account identity')
  const identity: DeviceIdentity = {
    account: generateSigningKeyPair(),
    device: await generateDeviceKeys(backend),
    libp2pSeed: randomBytes(32)
  }
  await store.transaction(async (tx) => {
    await tx.identity.put(NAMES.account, identity.account.secretKey)
    await tx.identity.put(NAMES.deviceSigning, identity.device.signing.privateKey)
    await tx.identity.put(NAMES.identityDh, identity.device.identityDh.privateKey)
    await tx.identity.put(NAMES.libp2p, identity.libp2pSeed)
  }, options)
  return { identity, created: true }
}

/**
 * A new device that will join an existing account (device linking): creates and stores its own
 * device and libp2p keys; the account secret arrives later (`storeAccountSecret`).
 */
export async function createDeviceKeysForLinking (store: Store, options: { backend?: CryptoBackend } = {}): Promise<{ device: DeviceKeys, libp2pSeed: Uint8Array }> {
  const backend = options.backend ?? nativeBackend
  const existingSigning = await store.identity.get(NAMES.deviceSigning)
  const existingDh = await store.identity.get(NAMES.identityDh)
  const existingSeed = await store.identity.get(NAMES.libp2p)
  if (existingSigning != null && existingDh != null && existingSeed != null) {
    return {
      device: {
        signing: { privateKey: existingSigning, publicKey: await backend.ed25519PublicKey(existingSigning) },
        identityDh: { privateKey: existingDh, publicKey: await backend.x25519PublicKey(existingDh) }
      },
      libp2pSeed: existingSeed
    }
  }
  const device = await generateDeviceKeys(backend)
  const libp2pSeed = randomBytes(32)
  await store.transaction(async (tx) => {
    await tx.identity.put(NAMES.deviceSigning, device.signing.privateKey)
    await tx.identity.put(NAMES.identityDh, device.identityDh.privateKey)
    await tx.identity.put(NAMES.libp2p, libp2pSeed)
  })
  return { device, libp2pSeed }
}

/** Completes a linked device: stores the account secret it received. */
export async function storeAccountSecret (store: Store, accountSecret: Uint8Array): Promise<void> {
  await store.identity.put(NAMES.account, accountSecret)
}
