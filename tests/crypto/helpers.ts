/** Shared test fixtures: deterministic randomness and ready-made devices, bundles, lookups. */
import { sha256 } from '@noble/hashes/sha2.js'
import type { CryptoBackend, KeyPair, RandomSource } from '../../src/crypto/backend.js'
import { createNativeBackend } from '../../src/crypto/backend-native.js'
import { createNobleBackend } from '../../src/crypto/backend-noble.js'
import type { PrekeyLookup } from '../../src/crypto/pqxdh.js'
import {
  type DeviceKeys, type OneTimePrekeyPair, type PrekeyBundle, type SignedPrekeyPair,
  buildPrekeyBundle, devicePublicKeys, generateDeviceKeys, generateOneTimePqPrekeys,
  generateOneTimePrekeys, generateSignedPqPrekey, generateSignedPrekey
} from '../../src/crypto/prekeys.js'

/** Deterministic byte stream: SHA-256(seed || counter) blocks. Not for production. */
export function seededRandom (seed: string): RandomSource {
  const seedBytes = new TextEncoder().encode(seed)
  let counter = 0
  let pool = new Uint8Array(0)
  return (length: number) => {
    const out = new Uint8Array(length)
    let filled = 0
    while (filled < length) {
      if (pool.length === 0) {
        const block = new Uint8Array(seedBytes.length + 4)
        block.set(seedBytes)
        new DataView(block.buffer).setUint32(seedBytes.length, counter++)
        pool = sha256(block)
      }
      const take = Math.min(pool.length, length - filled)
      out.set(pool.subarray(0, take), filled)
      pool = pool.subarray(take)
      filled += take
    }
    return out
  }
}

export const seededBackends = (seed: string): CryptoBackend[] => [
  createNobleBackend({ random: seededRandom(seed) }),
  createNativeBackend({ random: seededRandom(seed) })
]

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
export const text = (b: Uint8Array): string => new TextDecoder().decode(b)

/** A responder device with its prekeys and a lookup over them. */
export interface Responder {
  device: DeviceKeys
  signedPrekey: SignedPrekeyPair
  pqPrekey: SignedPrekeyPair
  oneTime: OneTimePrekeyPair[]
  oneTimePq: SignedPrekeyPair[]
  lookup: PrekeyLookup
  /** Ids deleted after use (the caller's job in production). */
  deleted: { oneTime: Set<number>, oneTimePq: Set<number> }
  bundle: (opts?: { oneTime?: boolean, oneTimePq?: boolean, index?: number }) => PrekeyBundle
}

export async function makeResponder (backend: CryptoBackend, now = 1_700_000_000_000, pools = 2): Promise<Responder> {
  const device = await generateDeviceKeys(backend)
  const signedPrekey = await generateSignedPrekey(backend, device, 1, now)
  const pqPrekey = await generateSignedPqPrekey(backend, device, 1, now)
  const oneTime = await generateOneTimePrekeys(backend, 100, pools)
  const oneTimePq = await generateOneTimePqPrekeys(backend, device, 200, pools, now)
  const deleted = { oneTime: new Set<number>(), oneTimePq: new Set<number>() }
  const pair = (p: { privateKey: Uint8Array, prekey: { publicKey: Uint8Array } }): KeyPair => ({ publicKey: p.prekey.publicKey, privateKey: p.privateKey })
  const lookup: PrekeyLookup = {
    signedPrekey: (id) => id === signedPrekey.prekey.id ? pair(signedPrekey) : undefined,
    oneTimePrekey: (id) => {
      const p = oneTime.find((k) => k.prekey.id === id)
      return p === undefined || deleted.oneTime.has(id) ? undefined : pair(p)
    },
    pqPrekey: (id, isOneTime) => {
      if (!isOneTime) return id === pqPrekey.prekey.id ? pair(pqPrekey) : undefined
      const p = oneTimePq.find((k) => k.prekey.id === id)
      return p === undefined || deleted.oneTimePq.has(id) ? undefined : pair(p)
    }
  }
  return {
    device, signedPrekey, pqPrekey, oneTime, oneTimePq, lookup, deleted,
    bundle: ({ oneTime: ot = true, oneTimePq: otpq = true, index = 0 } = {}) => buildPrekeyBundle(
      devicePublicKeys(device), signedPrekey.prekey, pqPrekey.prekey,
      ot ? oneTime[index].prekey : undefined, otpq ? oneTimePq[index].prekey : undefined)
  }
}
