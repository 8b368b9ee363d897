/** Forward secrecy and post-compromise security, shown through the public API. */
import { describe, expect, it } from 'vitest'
import { nativeBackend as backend } from '../../src/crypto/backend-native.js'
import { acceptPrekeyMessage, initiateSession } from '../../src/crypto/pqxdh.js'
import { generateDeviceKeys } from '../../src/crypto/prekeys.js'
import type { SessionState } from '../../src/crypto/ratchet.js'
import { type CiphertextMessage, decryptMessage, encryptMessage } from '../../src/crypto/session.js'
import { decodeSessionState, encodeSessionState } from '../../src/crypto/session-codec.js'
import { makeResponder, text, utf8 } from './helpers.js'

async function pair (): Promise<{ a: SessionState, b: SessionState }> {
  const bob = await makeResponder(backend, 1_700_000_000_000, 1)
  const alice = await generateDeviceKeys(backend)
  const first = await encryptMessage(backend, (await initiateSession(backend, alice, bob.bundle())).state, utf8('hi'))
  const accepted = await acceptPrekeyMessage(backend, bob.device, bob.lookup, first.message.body)
  return { a: first.state, b: accepted.state }
}

const clone = (s: SessionState): SessionState => decodeSessionState(encodeSessionState(s))

describe('forward secrecy', () => {
  it('state captured at step k cannot decrypt messages before k', async () => {
    let { a, b } = await pair()
    const sent: CiphertextMessage[] = []
    for (let i = 0; i < 6; i++) {
      // mix chain steps and DH ratchet steps
      const s = await encryptMessage(backend, a, utf8(`a${i}`))
      a = s.state
      sent.push(s.message)
      b = (await decryptMessage(backend, b, s.message)).state
      if (i % 2 === 1) {
        const r = await encryptMessage(backend, b, utf8(`b${i}`))
        b = r.state
        a = (await decryptMessage(backend, a, r.message)).state
      }
    }
    const stolen = clone(b) // everything Bob holds after step 6
    expect(stolen.skipped.size).toBe(0)
    for (const m of sent) {
      await expect(decryptMessage(backend, stolen, m)).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_(REPLAY|DECRYPT)$/) })
    }
  })
})

describe('post-compromise security', () => {
  it('after one round trip with fresh ratchet keys a stolen state cannot decrypt new messages', async () => {
    let { a, b } = await pair()
    // Bob replies so both sides are in full ratchet mode
    let r = await encryptMessage(backend, b, utf8('r0'))
    b = r.state
    a = (await decryptMessage(backend, a, r.message)).state

    let attacker = clone(a) // the attacker steals Alice's whole state now
    const intercepted: CiphertextMessage[] = []

    // while Alice keeps her current chain, the attacker can follow (the compromise window)
    const s1 = await encryptMessage(backend, a, utf8('s1'))
    a = s1.state
    b = (await decryptMessage(backend, b, s1.message)).state
    r = await encryptMessage(backend, b, utf8('r1 — attacker can read this'))
    b = r.state
    intercepted.push(r.message)
    a = (await decryptMessage(backend, a, r.message)).state
    const early = await decryptMessage(backend, attacker, r.message)
    expect(text(early.plaintext)).toBe('r1 — attacker can read this')
    attacker = early.state

    // round trip: Alice answers with a fresh ratchet key the attacker never saw, Bob replies
    const s2 = await encryptMessage(backend, a, utf8('s2'))
    a = s2.state
    b = (await decryptMessage(backend, b, s2.message)).state
    r = await encryptMessage(backend, b, utf8('r2 secret again'))
    b = r.state
    expect(text((await decryptMessage(backend, a, r.message)).plaintext)).toBe('r2 secret again')

    // the attacker, even following every message, is locked out
    const tryS2 = await decryptMessage(backend, attacker, s2.message).then(() => 'read', () => 'failed')
    expect(tryS2).toBe('failed') // Alice's own outgoing message: not for her receiving chains
    await expect(decryptMessage(backend, attacker, r.message)).rejects.toMatchObject({ code: 'ERR_DECRYPT' })
  })
})
