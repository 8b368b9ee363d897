import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '@noble/hashes/utils.js'

/** An Ed25519 key pair as raw bytes (32-byte seed, 32-byte public key). */
export interface SigningKeyPair {
  secretKey: Uint8Array
  publicKey: Uint8Array
}

/** An X25519 key pair as raw bytes. */
export interface DhKeyPair {
  secretKey: Uint8Array
  publicKey: Uint8Array
}

/** The account: one Ed25519 key whose public half is the user's address. */
export interface AccountKeys {
  account: SigningKeyPair
}

/** One device's own keys. */
export interface DeviceKeys {
  /** 32-byte Ed25519 seed of the device's libp2p key (its PeerId). */
  libp2pSeed: Uint8Array
  /** Ed25519 device key: signs prekeys and mailbox proofs. */
  device: SigningKeyPair
  /** X25519 identity key used in the E2E handshake. */
  identityDh: DhKeyPair
}

export function generateSigningKeyPair (): SigningKeyPair {
  const secretKey = ed25519.utils.randomSecretKey()
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) }
}

export function signingKeyPairFromSeed (secretKey: Uint8Array): SigningKeyPair {
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) }
}

export function generateDhKeyPair (): DhKeyPair {
  const secretKey = x25519.utils.randomSecretKey()
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}

export function dhKeyPairFromSecret (secretKey: Uint8Array): DhKeyPair {
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}

/** A fresh account key. */
export function generateAccountKeys (): AccountKeys {
  return { account: generateSigningKeyPair() }
}

/** Fresh keys for a new device. */
export function generateDeviceKeys (): DeviceKeys {
  return {
    libp2pSeed: randomBytes(32),
    device: generateSigningKeyPair(),
    identityDh: generateDhKeyPair()
  }
}

/**
 * PeerId bytes (an identity multihash of the libp2p protobuf public key) of an Ed25519
 * public key, computed without libp2p: `0x00 0x24 | 0x08 0x01 0x12 0x20 | key`.
 */
export function peerIdBytesFromEd25519 (publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(6 + 32)
  out.set([0x00, 0x24, 0x08, 0x01, 0x12, 0x20])
  out.set(publicKey, 6)
  return out
}

/** Overwrites secret bytes; call when a key is dropped. */
export function wipe (...buffers: Array<Uint8Array | undefined>): void {
  for (const b of buffers) b?.fill(0)
}
