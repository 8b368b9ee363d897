/**
 * Reference figures from Signal's libsignal (`@signalapp/libsignal-client`, native Rust), measured
 * exactly like bench/suites/crypto.ts measures Parley: 1 KiB messages; session setup = process
 * bundle (signed EC prekey + one-time EC prekey + Kyber last-resort prekey) + first encrypt +
 * responder decrypt; one-directional encrypt+decrypt; ping-pong (DH step every message).
 *
 * The package (151 MB) is not a dependency. `npm run bench:anchors` installs it with --no-save and
 * runs this file; or point PARLEY_LIBSIGNAL_PATH at an installed copy's directory
 * (…/node_modules/@signalapp/libsignal-client).
 */
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { record } from '../results.js'

/** The three anchor figures. */
export interface AnchorFigures { setups: number, oneWay: number, pingPong: number }

/* Minimal structural view of the libsignal API used here (the package is optional). */
interface Handle { serialize: () => Uint8Array<ArrayBuffer> }
interface PublicKey extends Handle { readonly _k?: 'pub' }
interface PrivateKey extends Handle { getPublicKey: () => PublicKey, sign: (msg: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer> }
interface IdentityKeyPair { publicKey: PublicKey, privateKey: PrivateKey }
interface KEMKeyPair { getPublicKey: () => Handle }
interface Address { name: () => string, deviceId: () => number }
interface Ciphertext { serialize: () => Uint8Array<ArrayBuffer>, type: () => number }
type Store = object
interface Libsignal {
  PrivateKey: { generate: () => PrivateKey }
  IdentityKeyPair: { generate: () => IdentityKeyPair }
  KEMKeyPair: { generate: () => KEMKeyPair }
  ProtocolAddress: { new: (name: string, device: number) => Address }
  PreKeyRecord: { new: (id: number, pub: PublicKey, priv: PrivateKey) => unknown }
  SignedPreKeyRecord: { new: (id: number, ts: number, pub: PublicKey, priv: PrivateKey, sig: Uint8Array<ArrayBuffer>) => unknown }
  KyberPreKeyRecord: { new: (id: number, ts: number, kp: KEMKeyPair, sig: Uint8Array<ArrayBuffer>) => unknown }
  PreKeyBundle: { new: (...args: unknown[]) => unknown }
  PreKeySignalMessage: { deserialize: (b: Uint8Array<ArrayBuffer>) => unknown }
  SignalMessage: { deserialize: (b: Uint8Array<ArrayBuffer>) => unknown }
  SessionStore: abstract new () => Store
  IdentityKeyStore: abstract new () => Store
  PreKeyStore: abstract new () => Store
  SignedPreKeyStore: abstract new () => Store
  KyberPreKeyStore: abstract new () => Store
  processPreKeyBundle: (bundle: unknown, address: Address, local: Address, s: Store, i: Store) => Promise<void>
  signalEncrypt: (msg: Uint8Array<ArrayBuffer>, address: Address, local: Address, s: Store, i: Store) => Promise<Ciphertext>
  signalDecrypt: (msg: unknown, address: Address, local: Address, s: Store, i: Store) => Promise<Uint8Array>
  signalDecryptPreKey: (msg: unknown, address: Address, local: Address, s: Store, i: Store, p: Store, sp: Store, k: Store) => Promise<Uint8Array>
}

async function load (): Promise<Libsignal> {
  const dir = process.env.PARLEY_LIBSIGNAL_PATH
  const spec = dir !== undefined && dir !== '' ? pathToFileURL(join(dir, 'dist', 'index.js')).href : '@signalapp/libsignal-client'
  return await import(spec) as Libsignal
}

const key = (a: Address): string => `${a.name()}.${a.deviceId()}`

function party (ls: Libsignal, identity: IdentityKeyPair): { sessions: Store, identities: Store, prekeys: Map<number, unknown>, signed: Map<number, unknown>, kyber: Map<number, unknown>, preStore: Store, signedStore: Store, kyberStore: Store } {
  const sessionMap = new Map<string, unknown>()
  const prekeys = new Map<number, unknown>()
  const signed = new Map<number, unknown>()
  const kyber = new Map<number, unknown>()
  // the abstract store classes are subclassed at runtime; method shapes follow libsignal's index.d.ts
  const Sessions = class extends ls.SessionStore {
    async saveSession (a: Address, r: unknown): Promise<void> { sessionMap.set(key(a), r) }
    async getSession (a: Address): Promise<unknown> { return sessionMap.get(key(a)) ?? null }
    async getExistingSessions (as: Address[]): Promise<unknown[]> { return as.map((a) => sessionMap.get(key(a))) }
  }
  const Identities = class extends ls.IdentityKeyStore {
    async getIdentityKey (): Promise<PrivateKey> { return identity.privateKey }
    async getLocalRegistrationId (): Promise<number> { return 1 }
    async saveIdentity (): Promise<number> { return 0 }
    async isTrustedIdentity (): Promise<boolean> { return true }
    async getIdentity (): Promise<null> { return null }
  }
  const PreKeys = class extends ls.PreKeyStore {
    async savePreKey (id: number, r: unknown): Promise<void> { prekeys.set(id, r) }
    async getPreKey (id: number): Promise<unknown> { return prekeys.get(id) }
    async removePreKey (id: number): Promise<void> { prekeys.delete(id) }
  }
  const SignedPreKeys = class extends ls.SignedPreKeyStore {
    async saveSignedPreKey (id: number, r: unknown): Promise<void> { signed.set(id, r) }
    async getSignedPreKey (id: number): Promise<unknown> { return signed.get(id) }
  }
  const KyberPreKeys = class extends ls.KyberPreKeyStore {
    async saveKyberPreKey (id: number, r: unknown): Promise<void> { kyber.set(id, r) }
    async getKyberPreKey (id: number): Promise<unknown> { return kyber.get(id) }
    async markKyberPreKeyUsed (): Promise<void> {}
  }
  return { sessions: new Sessions(), identities: new Identities(), prekeys, signed, kyber, preStore: new PreKeys(), signedStore: new SignedPreKeys(), kyberStore: new KyberPreKeys() }
}

async function rate (seconds: number, step: () => Promise<void>): Promise<number> {
  const warmUntil = performance.now() + 200
  while (performance.now() < warmUntil) await step()
  let n = 0
  const start = performance.now()
  const end = start + seconds * 1000
  while (performance.now() < end) {
    await step()
    n++
  }
  return n / ((performance.now() - start) / 1000)
}

/**
 * Measures libsignal; throws when the package cannot be loaded.
 *
 * @example
 * ```ts
 * const { setups, oneWay, pingPong } = await measureLibsignal(2)
 * ```
 */
export async function measureLibsignal (seconds = 2): Promise<AnchorFigures> {
  const ls = await load()
  const message = new Uint8Array(1024).fill(0x61)
  const bobId = ls.IdentityKeyPair.generate()
  const bob = party(ls, bobId)
  const bobAddr = ls.ProtocolAddress.new('bob', 1)
  const spk = ls.PrivateKey.generate()
  const spkSig = bobId.privateKey.sign(spk.getPublicKey().serialize())
  bob.signed.set(1, ls.SignedPreKeyRecord.new(1, Date.now(), spk.getPublicKey(), spk, spkSig))
  const kem = ls.KEMKeyPair.generate()
  const kemSig = bobId.privateKey.sign(kem.getPublicKey().serialize())
  bob.kyber.set(1, ls.KyberPreKeyRecord.new(1, Date.now(), kem, kemSig))
  let prekeyId = 1
  const bundle = (): unknown => {
    const id = prekeyId++
    const pk = ls.PrivateKey.generate() // one-time prekey generation is outside Parley's timed loop too
    bob.prekeys.set(id, ls.PreKeyRecord.new(id, pk.getPublicKey(), pk))
    return ls.PreKeyBundle.new(1, 1, id, pk.getPublicKey(), 1, spk.getPublicKey(), spkSig, bobId.publicKey, 1, kem.getPublicKey(), kemSig)
  }
  const aliceId = ls.IdentityKeyPair.generate()
  const alice = party(ls, aliceId)
  let n = 0
  const pool = Array.from({ length: 4000 }, bundle)

  const setups = await rate(seconds, async () => {
    const aliceAddr = ls.ProtocolAddress.new(`alice-${n}`, 1)
    const b = pool[n++ % pool.length]
    await ls.processPreKeyBundle(b, bobAddr, aliceAddr, alice.sessions, alice.identities)
    const ct = await ls.signalEncrypt(message, bobAddr, aliceAddr, alice.sessions, alice.identities)
    await ls.signalDecryptPreKey(ls.PreKeySignalMessage.deserialize(ct.serialize()), aliceAddr, bobAddr, bob.sessions, bob.identities, bob.preStore, bob.signedStore, bob.kyberStore)
  })

  // an established session for the message benchmarks
  const aliceAddr = ls.ProtocolAddress.new('alice', 1)
  const fresh = bundle()
  await ls.processPreKeyBundle(fresh, bobAddr, aliceAddr, alice.sessions, alice.identities)
  const first = await ls.signalEncrypt(message, bobAddr, aliceAddr, alice.sessions, alice.identities)
  await ls.signalDecryptPreKey(ls.PreKeySignalMessage.deserialize(first.serialize()), aliceAddr, bobAddr, bob.sessions, bob.identities, bob.preStore, bob.signedStore, bob.kyberStore)
  const reply = await ls.signalEncrypt(message, aliceAddr, bobAddr, bob.sessions, bob.identities)
  await ls.signalDecrypt(ls.SignalMessage.deserialize(reply.serialize()), bobAddr, aliceAddr, alice.sessions, alice.identities)

  const oneWay = await rate(seconds, async () => {
    const ct = await ls.signalEncrypt(message, bobAddr, aliceAddr, alice.sessions, alice.identities)
    await ls.signalDecrypt(ls.SignalMessage.deserialize(ct.serialize()), aliceAddr, bobAddr, bob.sessions, bob.identities)
  })
  let turn = 0
  const pingPong = await rate(seconds, async () => {
    if (turn === 0) {
      const ct = await ls.signalEncrypt(message, bobAddr, aliceAddr, alice.sessions, alice.identities)
      await ls.signalDecrypt(ls.SignalMessage.deserialize(ct.serialize()), aliceAddr, bobAddr, bob.sessions, bob.identities)
    } else {
      const ct = await ls.signalEncrypt(message, aliceAddr, bobAddr, bob.sessions, bob.identities)
      await ls.signalDecrypt(ls.SignalMessage.deserialize(ct.serialize()), bobAddr, aliceAddr, alice.sessions, alice.identities)
    }
    turn = 1 - turn
  })
  return { setups, oneWay, pingPong }
}

// `tsx bench/anchors/libsignal.ts`: measure and print
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const f = await measureLibsignal(Number(process.env.PARLEY_BENCH_SECONDS ?? 2))
  record({ suite: 'anchors', name: 'libsignal session setups', value: f.setups, unit: 'setups/s' })
  record({ suite: 'anchors', name: 'libsignal 1 KiB one-way', value: f.oneWay, unit: 'msg/s' })
  record({ suite: 'anchors', name: 'libsignal 1 KiB ping-pong', value: f.pingPong, unit: 'msg/s' })
  console.log(JSON.stringify(f))
}
