import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeEnvelope, Envelope } from '../../src/net/envelope-codec.js'
import { MalformedFrameError } from '../../src/net/errors.js'

describe('envelope codec', () => {
  it('decodes the frozen v1 envelope and re-encodes to the same bytes', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../fixtures/envelope.v1.bin', import.meta.url)))
    const envelope = decodeEnvelope(bytes)
    expect(envelope.version).toBe(1)
    expect([...envelope.id]).toEqual(Array.from({ length: 16 }, (_, i) => i))
    expect(new TextDecoder().decode(envelope.payload)).toBe('opaque payload')
    expect(envelope.createdAt).toBe(1_700_000_000_123n)
    expect(envelope.expiresAt).toBe(1_700_000_600_123n)
    expect(envelope.flags).toBe(1)
    expect(new Uint8Array(Envelope.encode(envelope))).toEqual(bytes)
  })

  it('refuses garbage, wrong versions and wrong field lengths with a typed error', () => {
    const good = decodeEnvelope(new Uint8Array(readFileSync(new URL('../fixtures/envelope.v1.bin', import.meta.url))))
    const cases = [
      new Uint8Array([0xff, 0xff, 0xff, 0xff]),
      Envelope.encode({ ...good, version: 2 }),
      Envelope.encode({ ...good, id: new Uint8Array(3) }),
      Envelope.encode({ ...good, recipientDevice: new Uint8Array(31) })
    ]
    for (const bytes of cases) expect(() => decodeEnvelope(bytes)).toThrow(MalformedFrameError)
  })
})
