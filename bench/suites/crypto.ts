/**
 * E2E crypto throughput with 1 KiB messages, native and noble backends:
 *   - session setups/s: verify bundle + PQXDH initiator + first encrypt + responder accept/decrypt
 *   - one-directional msg/s: encrypt + decrypt, same sending chain (no DH step)
 *   - ping-pong msg/s: alternating directions, a DH ratchet step on every message
 * With @signalapp/libsignal-client installed (or PARLEY_LIBSIGNAL_PATH set), the same three
 * figures are measured for libsignal (bench/anchors/libsignal.ts) and recorded as references.
 */
import { record } from '../results.js'
import { measureLibsignal, type AnchorFigures } from '../anchors/libsignal.js'
import type { CryptoBackend } from '../../src/crypto/backend.js'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { nobleBackend } from '../../src/crypto/backend-noble.js'
import { acceptPrekeyMessage, initiateSession, type PrekeyLookup } from '../../src/crypto/pqxdh.js'
import {
  buildPrekeyBundle, devicePublicKeys, generateDeviceKeys, generateOneTimePrekeys, generateSignedPqPrekey, generateSignedPrekey
} from '../../src/crypto/prekeys.js'
import type { SessionState } from '../../src/crypto/ratchet.js'
import { decryptMessage, encryptMessage } from '../../src/crypto/session.js'

const SUITE = 'crypto'
const MESSAGE = new Uint8Array(1024).fill(0x61)

/** Runs `step` until `seconds` have passed (after a short warm-up); returns ops per second. */
export async function rate (seconds: number, step: () => Promise<void>): Promise<number> {
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

async function setupRate (backend: CryptoBackend, seconds: number): Promise<number> {
  const bob = await generateDeviceKeys(backend)
  const spk = await generateSignedPrekey(backend, bob, 1)
  const pq = await generateSignedPqPrekey(backend, bob, 1)
  const pool = await generateOneTimePrekeys(backend, 1, backend === nobleBackend ? 400 : 6000)
  const byId = new Map(pool.map((p) => [p.prekey.id, { publicKey: p.prekey.publicKey, privateKey: p.privateKey }]))
  const lookup: PrekeyLookup = {
    signedPrekey: () => ({ publicKey: spk.prekey.publicKey, privateKey: spk.privateKey }),
    oneTimePrekey: (id) => byId.get(id),
    pqPrekey: () => ({ publicKey: pq.prekey.publicKey, privateKey: pq.privateKey })
  }
  const alice = await generateDeviceKeys(backend)
  let next = 0
  return await rate(seconds, async () => {
    const otpk = pool[next++ % pool.length].prekey
    const bundle = buildPrekeyBundle(devicePublicKeys(bob), spk.prekey, pq.prekey, otpk)
    const { state } = await initiateSession(backend, alice, bundle)
    const { message } = await encryptMessage(backend, state, MESSAGE)
    await acceptPrekeyMessage(backend, bob, lookup, message.body)
  })
}

async function established (backend: CryptoBackend): Promise<[SessionState, SessionState]> {
  const bob = await generateDeviceKeys(backend)
  const spk = await generateSignedPrekey(backend, bob, 1)
  const pq = await generateSignedPqPrekey(backend, bob, 1)
  const alice = await generateDeviceKeys(backend)
  const { state } = await initiateSession(backend, alice, buildPrekeyBundle(devicePublicKeys(bob), spk.prekey, pq.prekey))
  const first = await encryptMessage(backend, state, MESSAGE)
  const lookup: PrekeyLookup = {
    signedPrekey: () => ({ publicKey: spk.prekey.publicKey, privateKey: spk.privateKey }),
    oneTimePrekey: () => undefined,
    pqPrekey: () => ({ publicKey: pq.prekey.publicKey, privateKey: pq.privateKey })
  }
  const { state: b } = await acceptPrekeyMessage(backend, bob, lookup, first.message.body)
  const reply = await encryptMessage(backend, b, MESSAGE)
  const a = await decryptMessage(backend, first.state, reply.message)
  return [a.state, reply.state]
}

async function oneWayRate (backend: CryptoBackend, seconds: number): Promise<number> {
  let [a, b] = await established(backend)
  return await rate(seconds, async () => {
    const sent = await encryptMessage(backend, a, MESSAGE)
    a = sent.state
    b = (await decryptMessage(backend, b, sent.message)).state
  })
}

async function pingPongRate (backend: CryptoBackend, seconds: number): Promise<number> {
  const states = await established(backend)
  let turn = 0
  return await rate(seconds, async () => {
    const from = turn
    const to = 1 - turn
    const sent = await encryptMessage(backend, states[from], MESSAGE)
    states[from] = sent.state
    states[to] = (await decryptMessage(backend, states[to], sent.message)).state
    turn = to
  })
}

export interface CryptoFigures { setups: number, oneWay: number, pingPong: number }

export async function measure (backend: CryptoBackend, seconds: number): Promise<CryptoFigures> {
  return {
    setups: await setupRate(backend, seconds),
    oneWay: await oneWayRate(backend, seconds),
    pingPong: await pingPongRate(backend, seconds)
  }
}

export async function run (): Promise<void> {
  const seconds = Number(process.env.PARLEY_BENCH_SECONDS ?? 2)
  let anchor: AnchorFigures | undefined
  try {
    anchor = await measureLibsignal(seconds)
  } catch (err) {
    console.error(`# libsignal anchor unavailable: ${(err as Error).message}`)
  }
  if (anchor !== undefined) {
    record({ suite: SUITE, name: 'libsignal session setups (anchor)', value: anchor.setups, unit: 'setups/s' })
    record({ suite: SUITE, name: 'libsignal 1 KiB one-way (anchor)', value: anchor.oneWay, unit: 'msg/s' })
    record({ suite: SUITE, name: 'libsignal 1 KiB ping-pong (anchor)', value: anchor.pingPong, unit: 'msg/s' })
  }
  for (const [label, backend] of [['native', nativeBackend], ['noble', nobleBackend]] as const) {
    const f = await measure(backend, seconds)
    record({ suite: SUITE, name: `${label}: session setups (PQXDH + first 1 KiB msg)`, value: f.setups, unit: 'setups/s', reference: anchor?.setups })
    record({ suite: SUITE, name: `${label}: 1 KiB encrypt+decrypt one-way`, value: f.oneWay, unit: 'msg/s', reference: anchor?.oneWay })
    record({ suite: SUITE, name: `${label}: 1 KiB ping-pong (DH step each msg)`, value: f.pingPong, unit: 'msg/s', reference: anchor?.pingPong })
  }
}
