/** fast-check properties of the Double Ratchet: delivery exactly once, tampering, serialisation. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ParleyError } from '../../src/errors.js'
import { nativeBackend as backend } from '../../src/crypto/backend-native.js'
import { acceptPrekeyMessage, initiateSession } from '../../src/crypto/pqxdh.js'
import { generateDeviceKeys } from '../../src/crypto/prekeys.js'
import type { SessionState } from '../../src/crypto/ratchet.js'
import { type CiphertextMessage, decryptMessage, encryptMessage } from '../../src/crypto/session.js'
import { decodeSessionState, encodeSessionState } from '../../src/crypto/session-codec.js'
import { makeResponder, text, utf8 } from './helpers.js'

type Side = 0 | 1
interface InFlight { message: CiphertextMessage, plaintext: string }

async function establish (): Promise<[SessionState, SessionState, InFlight]> {
  const bob = await makeResponder(backend, 1_700_000_000_000, 1)
  const alice = await generateDeviceKeys(backend)
  const { state } = await initiateSession(backend, alice, bob.bundle())
  const first = await encryptMessage(backend, state, utf8('m-first'))
  const accepted = await acceptPrekeyMessage(backend, bob.device, bob.lookup, first.message.body)
  return [first.state, accepted.state, { message: first.message, plaintext: 'm-first' }]
}

const command = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('send' as const), from: fc.constantFrom<Side>(0, 1) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('deliver' as const), to: fc.constantFrom<Side>(0, 1), pick: fc.nat() }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('replay' as const), to: fc.constantFrom<Side>(0, 1), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('drop' as const), to: fc.constantFrom<Side>(0, 1), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('persist' as const), side: fc.constantFrom<Side>(0, 1) }), weight: 1 }
)

describe('Double Ratchet properties (native backend)', () => {
  it('any interleaving with reordering, drops and duplicates decrypts exactly the delivered messages once', async () => {
    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 40 }), async (commands) => {
      const [a, b] = await establish()
      const states: [SessionState, SessionState] = [a, b]
      const queues: [InFlight[], InFlight[]] = [[], []] // messages waiting for side i
      const delivered: [InFlight[], InFlight[]] = [[], []]
      let counter = 0
      for (const c of commands) {
        if (c.op === 'send') {
          const to = (1 - c.from) as Side
          if (states[c.from].sendingChainKey === undefined) continue
          const plaintext = `m${counter++}-${'x'.repeat(counter % 7)}`
          const sent = await encryptMessage(backend, states[c.from], utf8(plaintext))
          states[c.from] = sent.state
          queues[to].push({ message: sent.message, plaintext })
        } else if (c.op === 'deliver' && queues[c.to].length > 0) {
          const [m] = queues[c.to].splice(c.pick % queues[c.to].length, 1)
          const out = await decryptMessage(backend, states[c.to], m.message)
          expect(text(out.plaintext)).toBe(m.plaintext)
          states[c.to] = out.state
          delivered[c.to].push(m)
        } else if (c.op === 'replay' && delivered[c.to].length > 0) {
          const m = delivered[c.to][c.pick % delivered[c.to].length]
          const before = encodeSessionState(states[c.to])
          const err = await decryptMessage(backend, states[c.to], m.message).then(() => undefined, (e: unknown) => e)
          expect(err).toBeInstanceOf(ParleyError)
          expect(['ERR_REPLAY', 'ERR_DECRYPT']).toContain((err as ParleyError).code)
          expect(encodeSessionState(states[c.to])).toEqual(before)
        } else if (c.op === 'drop' && queues[c.to].length > 0) {
          queues[c.to].splice(c.pick % queues[c.to].length, 1)
        } else if (c.op === 'persist') {
          states[c.side] = decodeSessionState(encodeSessionState(states[c.side]))
        }
      }
      // everything still in flight is delivered, in reverse order, exactly once
      for (const to of [0, 1] as Side[]) {
        for (const m of queues[to].reverse()) {
          const out = await decryptMessage(backend, states[to], m.message)
          expect(text(out.plaintext)).toBe(m.plaintext)
          states[to] = out.state
        }
      }
    }), { numRuns: 40 })
  }, 30_000)

  it('a duplicate of the current chain is a ReplayError', async () => {
    const [a, b, first] = await establish()
    void a
    await expect(decryptMessage(backend, b, first.message)).rejects.toMatchObject({ code: 'ERR_REPLAY' })
  })

  it('flipping any bit of a message makes it fail with a typed error and leaves the state usable', async () => {
    const [a0, b0] = await establish()
    const reply = await encryptMessage(backend, b0, utf8('reply'))
    const a1 = (await decryptMessage(backend, a0, reply.message)).state
    const sent = await encryptMessage(backend, a1, utf8('tamper me'))
    const body = sent.message.body
    await fc.assert(fc.asyncProperty(fc.nat({ max: body.length - 1 }), fc.integer({ min: 0, max: 7 }), async (pos, bit) => {
      const forged = body.slice()
      forged[pos] ^= 1 << bit
      const err = await decryptMessage(backend, reply.state, { type: 'ratchet', body: forged }).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(ParleyError)
    }), { numRuns: 150 })
    expect(text((await decryptMessage(backend, reply.state, sent.message)).plaintext)).toBe('tamper me')
  })

  it('tampered prekey messages fail', async () => {
    const bob = await makeResponder(backend, 1_700_000_000_000, 1)
    const alice = await generateDeviceKeys(backend)
    const { message } = await encryptMessage(backend, (await initiateSession(backend, alice, bob.bundle())).state, utf8('x'))
    await fc.assert(fc.asyncProperty(fc.nat({ max: message.body.length - 1 }), async (pos) => {
      const forged = message.body.slice()
      forged[pos] ^= 0x01
      const err = await acceptPrekeyMessage(backend, bob.device, bob.lookup, forged).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(ParleyError)
    }), { numRuns: 60 })
  })

  it('skipping more than MAX_SKIP is refused; the skipped-key store is capped', async () => {
    const [a0, b0] = await establish()
    let a = a0
    let last: CiphertextMessage | undefined
    for (let i = 0; i < 1002; i++) {
      const s = await encryptMessage(backend, a, utf8('.'))
      a = s.state
      last = s.message
    }
    await expect(decryptMessage(backend, b0, last!)).rejects.toMatchObject({ code: 'ERR_TOO_MANY_SKIPPED' })
  })
})
