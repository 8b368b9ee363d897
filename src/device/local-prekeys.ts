// the crypto modules it needs, not crypto/index.js (which would bring the E2E session code into the browser's first load)
import type { CryptoBackend, KeyPair } from '../crypto/backend.js'
import type { PrekeyLookup } from '../crypto/pqxdh.js'
import {
  generateOneTimePqPrekeys, generateOneTimePrekeys, generateSignedPqPrekey, generateSignedPrekey, needsRotation,
  type DeviceKeys, type OneTimePrekey, type SignedPrekey, type SignedPrekeyPair
} from '../crypto/prekeys.js'
import type { Store, StoredValue } from '../store/index.js'

/** Signed prekeys are replaced after a week… */
export const SIGNED_PREKEY_MAX_AGE_MS = 7 * 24 * 3600 * 1000
/** …and their private halves kept a month longer for messages still in flight. */
export const SIGNED_PREKEY_GRACE_MS = 30 * 24 * 3600 * 1000
/** Most one-time prekeys of each kind kept on the device. */
export const MAX_ONE_TIME_PREKEYS = 200

const SETTINGS_KEY = 'local-prekeys'

interface StoredSigned { id: number, publicKey: Uint8Array, signature: Uint8Array, createdAt: number, privateKey: Uint8Array }

interface PrekeyState {
  nextId: number
  signed: StoredSigned[]
  pq: StoredSigned[]
  /** One-time X25519 private keys by id. */
  oneTime: Record<string, Uint8Array>
  /** One-time ML-KEM seeds by id. */
  oneTimePq: Record<string, Uint8Array>
}

function toStored (pair: SignedPrekeyPair): StoredSigned {
  return { ...pair.prekey, privateKey: pair.privateKey }
}

function toPrekey (s: StoredSigned): SignedPrekey {
  return { id: s.id, publicKey: s.publicKey, signature: s.signature, createdAt: s.createdAt }
}

/** Fresh one-time prekeys to hand to relays. */
export interface OneTimeBatch {
  oneTime: OneTimePrekey[]
  oneTimePq: SignedPrekey[]
}

/**
 * This device's prekeys: the current signed X25519 and ML-KEM prekeys (rotated weekly, old
 * ones kept for a grace period), and the private halves of one-time prekeys handed to relays.
 * Everything lives in the encrypted store.
 */
export class LocalPrekeys {
  private state: PrekeyState | undefined

  constructor (private readonly store: Store, private readonly backend: CryptoBackend, private readonly device: DeviceKeys) {}

  private async load (): Promise<PrekeyState> {
    if (this.state != null) return this.state
    const raw = await this.store.settings.get(SETTINGS_KEY) as unknown as PrekeyState | undefined
    this.state = raw ?? { nextId: 1, signed: [], pq: [], oneTime: {}, oneTimePq: {} }
    return this.state
  }

  private async save (): Promise<void> {
    if (this.state != null) await this.store.settings.put(SETTINGS_KEY, this.state as unknown as StoredValue)
  }

  /** Makes sure a current signed prekey pair exists; rotates and prunes. Returns true when it changed. */
  async ensureCurrent (now = Date.now()): Promise<boolean> {
    const state = await this.load()
    const latest = state.signed.at(-1)
    let changed = false
    if (latest == null || needsRotation(latest, now, SIGNED_PREKEY_MAX_AGE_MS)) {
      const id = state.nextId++
      state.signed.push(toStored(await generateSignedPrekey(this.backend, this.device, id, now)))
      state.pq.push(toStored(await generateSignedPqPrekey(this.backend, this.device, id, now)))
      changed = true
    }
    const keep = (s: StoredSigned, i: number, all: StoredSigned[]): boolean => i === all.length - 1 || now - s.createdAt < SIGNED_PREKEY_MAX_AGE_MS + SIGNED_PREKEY_GRACE_MS
    state.signed = state.signed.filter(keep)
    state.pq = state.pq.filter(keep)
    if (changed) await this.save()
    return changed
  }

  /** The signed prekeys published in the account record. */
  async current (): Promise<{ signedPrekey: SignedPrekey, pqPrekey: SignedPrekey }> {
    await this.ensureCurrent()
    const state = await this.load()
    return { signedPrekey: toPrekey(state.signed.at(-1)!), pqPrekey: toPrekey(state.pq.at(-1)!) }
  }

  /** Generates `count` one-time prekeys of each kind, keeps their private halves, returns the public ones. */
  async generateOneTime (count: number): Promise<OneTimeBatch> {
    const state = await this.load()
    const first = state.nextId
    state.nextId += count
    const x = await generateOneTimePrekeys(this.backend, first, count)
    const pq = await generateOneTimePqPrekeys(this.backend, this.device, first, count)
    for (const p of x) state.oneTime[String(p.prekey.id)] = p.privateKey
    for (const p of pq) state.oneTimePq[String(p.prekey.id)] = p.privateKey
    for (const pool of [state.oneTime, state.oneTimePq]) {
      const ids = Object.keys(pool).map(Number).sort((a, b) => a - b)
      for (const id of ids.slice(0, Math.max(0, ids.length - MAX_ONE_TIME_PREKEYS))) delete pool[String(id)]
    }
    await this.save()
    return { oneTime: x.map((p) => p.prekey), oneTimePq: pq.map((p) => p.prekey) }
  }

  /** Lookup functions for accepting a prekey message. */
  lookup (): PrekeyLookup {
    const find = async (list: 'signed' | 'pq', id: number): Promise<KeyPair | undefined> => {
      const s = (await this.load())[list].find((p) => p.id === id)
      return s == null ? undefined : { publicKey: s.publicKey, privateKey: s.privateKey }
    }
    return {
      signedPrekey: async (id) => find('signed', id),
      oneTimePrekey: async (id) => {
        const priv = (await this.load()).oneTime[String(id)]
        return priv == null ? undefined : { privateKey: priv, publicKey: await this.backend.x25519PublicKey(priv) }
      },
      pqPrekey: async (id, oneTime) => {
        if (!oneTime) return find('pq', id)
        const seed = (await this.load()).oneTimePq[String(id)]
        return seed == null ? undefined : { privateKey: seed, publicKey: await this.backend.mlKemPublicKey(seed) }
      }
    }
  }

  /** Deletes one-time prekeys a handshake consumed. */
  async consume (ids: { oneTimePrekeyId?: number, oneTimePqPrekeyId?: number }): Promise<void> {
    const state = await this.load()
    let changed = false
    if (ids.oneTimePrekeyId != null && state.oneTime[String(ids.oneTimePrekeyId)] != null) {
      state.oneTime[String(ids.oneTimePrekeyId)].fill(0)
      delete state.oneTime[String(ids.oneTimePrekeyId)]
      changed = true
    }
    if (ids.oneTimePqPrekeyId != null && state.oneTimePq[String(ids.oneTimePqPrekeyId)] != null) {
      state.oneTimePq[String(ids.oneTimePqPrekeyId)].fill(0)
      delete state.oneTimePq[String(ids.oneTimePqPrekeyId)]
      changed = true
    }
    if (changed) await this.save()
  }
}
