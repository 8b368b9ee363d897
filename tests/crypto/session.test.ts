/** Handshake, prekey handling, session routing, serialisation, frozen transcript, backend parity. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { nobleBackend } from '../../src/crypto/backend-noble.js'
import { acceptPrekeyMessage, initiateSession } from '../../src/crypto/pqxdh.js'
import { generateDeviceKeys, needsRotation, verifySignedPrekey } from '../../src/crypto/prekeys.js'
import { wipeReplacedState } from '../../src/crypto/ratchet.js'
import { decryptMessage, encryptMessage } from '../../src/crypto/session.js'
import { decodeSessionState, encodeSessionState } from '../../src/crypto/session-codec.js'
import { hex, makeResponder, seededBackends, text, utf8 } from './helpers.js'
import { runTranscript } from './transcript.js'

const frozen = JSON.parse(readFileSync(new URL('../vectors/parley-e2e-v1.json', import.meta.url), 'utf8')) as Record<string, unknown> & { seed: string }

describe.each([['native', nativeBackend], ['noble', nobleBackend]] as const)('session (%s)', (_name, backend) => {
  it('initiator → responder → initiator with one-time prekeys; reports consumed ids', async () => {
    const bob = await makeResponder(backend)
    const alice = await generateDeviceKeys(backend)
    const { state: a0, used } = await initiateSession(backend, alice, bob.bundle())
    expect(used).toEqual({ signedPrekeyId: 1, oneTimePrekeyId: 100, pqPrekeyId: 200, pqPrekeyOneTime: true })
    const m1 = await encryptMessage(backend, a0, utf8('hello'))
    expect(m1.message.type).toBe('prekey')
    const accepted = await acceptPrekeyMessage(backend, bob.device, bob.lookup, m1.message.body)
    expect(text(accepted.plaintext)).toBe('hello')
    expect(accepted.consumed).toEqual({ oneTimePrekeyId: 100, oneTimePqPrekeyId: 200 })
    expect(hex(accepted.remote.identityDhKey)).toBe(hex(alice.identityDh.publicKey))
    // a second message before any reply is still a prekey message, routed to the same session
    const m2 = await encryptMessage(backend, m1.state, utf8('again'))
    expect(m2.message.type).toBe('prekey')
    const b2 = await decryptMessage(backend, accepted.state, m2.message)
    expect(text(b2.plaintext)).toBe('again')
    const r1 = await encryptMessage(backend, b2.state, utf8('reply'))
    expect(r1.message.type).toBe('ratchet')
    const a3 = await decryptMessage(backend, m2.state, r1.message)
    expect(text(a3.plaintext)).toBe('reply')
    const m3 = await encryptMessage(backend, a3.state, utf8('now plain ratchet'))
    expect(m3.message.type).toBe('ratchet')
    expect(text((await decryptMessage(backend, r1.state, m3.message)).plaintext)).toBe('now plain ratchet')
  })

  it('works with the last-resort PQ key and no one-time X25519 prekey', async () => {
    const bob = await makeResponder(backend)
    const alice = await generateDeviceKeys(backend)
    const { state, used } = await initiateSession(backend, alice, bob.bundle({ oneTime: false, oneTimePq: false }))
    expect(used).toEqual({ signedPrekeyId: 1, pqPrekeyId: 1, pqPrekeyOneTime: false })
    const m = await encryptMessage(backend, state, utf8('x'))
    const accepted = await acceptPrekeyMessage(backend, bob.device, bob.lookup, m.message.body)
    expect(accepted.consumed).toEqual({})
    expect(text(accepted.plaintext)).toBe('x')
  })

  it('rejects bad prekey signatures with InvalidSignatureError', async () => {
    const bob = await makeResponder(backend)
    const alice = await generateDeviceKeys(backend)
    for (const field of ['signedPrekey', 'signedPqPrekey', 'oneTimePqPrekey'] as const) {
      const bundle = bob.bundle()
      const prekey = bundle[field]!
      bundle[field] = { ...prekey, signature: prekey.signature.map((b, i) => i === 3 ? b ^ 1 : b) }
      await expect(initiateSession(backend, alice, bundle)).rejects.toMatchObject({ name: 'InvalidSignatureError', code: 'ERR_INVALID_SIGNATURE' })
    }
    // a prekey signed for another identity DH key does not verify either
    const other = await generateDeviceKeys(backend)
    await expect(verifySignedPrekey(backend, bob.device.signing.publicKey, other.identityDh.publicKey, bob.signedPrekey.prekey, 'signed')).rejects.toMatchObject({ code: 'ERR_INVALID_SIGNATURE' })
    // kinds are domain-separated
    await expect(verifySignedPrekey(backend, bob.device.signing.publicKey, bob.device.identityDh.publicKey, bob.oneTimePq[0].prekey, 'signed-pq')).rejects.toMatchObject({ code: 'ERR_INVALID_SIGNATURE' })
  })

  it('a consumed one-time prekey cannot be used again (UnknownPrekeyError)', async () => {
    const bob = await makeResponder(backend)
    const alice = await generateDeviceKeys(backend)
    const { state } = await initiateSession(backend, alice, bob.bundle())
    const m = await encryptMessage(backend, state, utf8('once'))
    const accepted = await acceptPrekeyMessage(backend, bob.device, bob.lookup, m.message.body)
    bob.deleted.oneTime.add(accepted.consumed.oneTimePrekeyId!)
    bob.deleted.oneTimePq.add(accepted.consumed.oneTimePqPrekeyId!)
    await expect(acceptPrekeyMessage(backend, bob.device, bob.lookup, m.message.body)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_PREKEY' })
  })

  it('checks the sealed-sender identity against the prekey message', async () => {
    const bob = await makeResponder(backend)
    const alice = await generateDeviceKeys(backend)
    const mallory = await generateDeviceKeys(backend)
    const m = await encryptMessage(backend, (await initiateSession(backend, alice, bob.bundle())).state, utf8('x'))
    await expect(acceptPrekeyMessage(backend, bob.device, bob.lookup, m.message.body, { deviceKey: mallory.signing.publicKey, identityDhKey: mallory.identityDh.publicKey }))
      .rejects.toMatchObject({ code: 'ERR_INVALID_SENDER' })
  })

  it('responder cannot send first; a foreign prekey message is refused by decryptMessage', async () => {
    const bob = await makeResponder(backend)
    const alice = await generateDeviceKeys(backend)
    const m = await encryptMessage(backend, (await initiateSession(backend, alice, bob.bundle())).state, utf8('x'))
    const { state: b } = await acceptPrekeyMessage(backend, bob.device, bob.lookup, m.message.body)
    const other = await encryptMessage(backend, (await initiateSession(backend, alice, bob.bundle({ index: 1 }))).state, utf8('y'))
    await expect(decryptMessage(backend, b, other.message)).rejects.toMatchObject({ code: 'ERR_SESSION_STATE' })
  })

  it('state round-trips through bytes and decrypt leaves its input untouched', async () => {
    const bob = await makeResponder(backend)
    const alice = await generateDeviceKeys(backend)
    let { state: a } = await initiateSession(backend, alice, bob.bundle())
    const m = await encryptMessage(backend, a, utf8('x'))
    a = decodeSessionState(encodeSessionState(m.state))
    const { state: b } = await acceptPrekeyMessage(backend, bob.device, bob.lookup, m.message.body)
    const bBytes = encodeSessionState(b)
    const r = await encryptMessage(backend, decodeSessionState(bBytes), utf8('y'))
    const before = encodeSessionState(a)
    const d = await decryptMessage(backend, a, r.message)
    expect(hex(encodeSessionState(a))).toBe(hex(before))
    expect(text(d.plaintext)).toBe('y')
    await expect(decryptMessage(backend, d.state, r.message)).rejects.toMatchObject({ code: 'ERR_REPLAY' })
    wipeReplacedState(a, d.state)
    expect(a.rootKey.every((x) => x === 0)).toBe(true)
    expect(d.state.rootKey.some((x) => x !== 0)).toBe(true)
    expect(() => decodeSessionState(new Uint8Array([0xff, 0xff]))).toThrow(expect.objectContaining({ code: 'ERR_SESSION_STATE' }))
  })
})

describe('frozen transcript (tests/vectors/parley-e2e-v1.json)', () => {
  it.each(seededBackends(frozen.seed).map((b) => [b.name, b] as const))('%s reproduces every byte', async (_name, backend) => {
    const transcript = await runTranscript(backend)
    expect(transcript).toEqual(Object.fromEntries(Object.entries(frozen).filter(([k]) => k !== 'source' && k !== 'seed')))
  })
})

describe('backend parity', () => {
  it('noble and native produce identical bytes for identical randomness', async () => {
    const [noble, native] = seededBackends('parity')
    const out = await Promise.all([noble, native].map(async (backend) => {
      const bob = await makeResponder(backend)
      const alice = await generateDeviceKeys(backend)
      let { state: a } = await initiateSession(backend, alice, bob.bundle())
      const msgs: string[] = []
      const m = await encryptMessage(backend, a, utf8('parity'))
      a = m.state
      msgs.push(hex(m.message.body))
      let { state: b } = await acceptPrekeyMessage(backend, bob.device, bob.lookup, m.message.body)
      for (let i = 0; i < 3; i++) {
        const r = await encryptMessage(backend, b, utf8(`r${i}`))
        b = r.state
        msgs.push(hex(r.message.body))
        const d = await decryptMessage(backend, a, r.message)
        const s = await encryptMessage(backend, d.state, utf8(`s${i}`))
        a = s.state
        msgs.push(hex(s.message.body))
        b = (await decryptMessage(backend, b, s.message)).state
      }
      return { msgs, a: hex(encodeSessionState(a)), b: hex(encodeSessionState(b)) }
    }))
    expect(out[1]).toEqual(out[0])
  })
})

describe('prekey rotation', () => {
  it('needsRotation', () => {
    const day = 86_400_000
    expect(needsRotation({ createdAt: 0 }, 6 * day, 7 * day)).toBe(false)
    expect(needsRotation({ createdAt: 0 }, 7 * day, 7 * day)).toBe(true)
    expect(needsRotation({ createdAt: 30 * day }, 0, 7 * day)).toBe(true)
  })
})
