/** Sealed sender: round trip, what the box hides, forged senders, tampering. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ParleyError } from '../../src/errors.js'
import { nativeBackend } from '../../src/crypto/backend-native.js'
import { nobleBackend } from '../../src/crypto/backend-noble.js'
import { generateDeviceKeys } from '../../src/crypto/prekeys.js'
import { openSealed, sealForDevice } from '../../src/crypto/sealed-sender.js'
import { hex, text, utf8 } from './helpers.js'

function contains (haystack: Uint8Array, needle: Uint8Array): boolean {
  return hex(haystack).includes(hex(needle)) // hex-aligned: a match at an odd nibble is impossible by construction
}

describe.each([['native', nativeBackend], ['noble', nobleBackend]] as const)('sealed sender (%s)', (_name, backend) => {
  it('round-trips and proves the sender identity DH key', async () => {
    const account = await generateDeviceKeys(backend)
    const alice = await generateDeviceKeys(backend)
    const bob = await generateDeviceKeys(backend)
    const marker = utf8('PLAINTEXT-MARKER-0123456789')
    const box = await sealForDevice(backend, {
      sender: { accountKey: account.signing.publicKey, deviceKey: alice.signing.publicKey, identityDh: alice.identityDh },
      recipientIdentityDhKey: bob.identityDh.publicKey,
      message: { type: 'ratchet', body: marker }
    })
    expect(contains(box, marker)).toBe(false)
    expect(contains(box, account.signing.publicKey)).toBe(false)
    expect(contains(box, alice.signing.publicKey)).toBe(false)
    expect(contains(box, alice.identityDh.publicKey)).toBe(false)
    expect(box.length % 256).toBeLessThan(200) // padded inner content: size is bucket + fixed overhead
    const opened = await openSealed(backend, bob.identityDh, box)
    expect(hex(opened.sender.accountKey)).toBe(hex(account.signing.publicKey))
    expect(hex(opened.sender.deviceKey)).toBe(hex(alice.signing.publicKey))
    expect(hex(opened.sender.identityDhKey)).toBe(hex(alice.identityDh.publicKey))
    expect(opened.message.type).toBe('ratchet')
    expect(text(opened.message.body)).toBe(text(marker))
  })

  it('a forged sender (claims a static key it does not hold) fails with InvalidSenderError', async () => {
    const alice = await generateDeviceKeys(backend)
    const mallory = await generateDeviceKeys(backend)
    const bob = await generateDeviceKeys(backend)
    const box = await sealForDevice(backend, {
      sender: { accountKey: alice.signing.publicKey, deviceKey: alice.signing.publicKey, identityDh: { publicKey: alice.identityDh.publicKey, privateKey: mallory.identityDh.privateKey } },
      recipientIdentityDhKey: bob.identityDh.publicKey,
      message: { type: 'prekey', body: utf8('hi') }
    })
    await expect(openSealed(backend, bob.identityDh, box)).rejects.toMatchObject({ name: 'InvalidSenderError', code: 'ERR_INVALID_SENDER' })
  })

  it('a box for another device fails with DecryptError; any flipped bit fails', async () => {
    const alice = await generateDeviceKeys(backend)
    const bob = await generateDeviceKeys(backend)
    const eve = await generateDeviceKeys(backend)
    const box = await sealForDevice(backend, {
      sender: { accountKey: alice.signing.publicKey, deviceKey: alice.signing.publicKey, identityDh: alice.identityDh },
      recipientIdentityDhKey: bob.identityDh.publicKey,
      message: { type: 'ratchet', body: utf8('for bob') }
    })
    await expect(openSealed(backend, eve.identityDh, box)).rejects.toMatchObject({ code: 'ERR_DECRYPT' })
    await fc.assert(fc.asyncProperty(fc.nat({ max: box.length - 1 }), fc.integer({ min: 0, max: 7 }), async (pos, bit) => {
      const forged = box.slice()
      forged[pos] ^= 1 << bit
      const err = await openSealed(backend, bob.identityDh, forged).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(ParleyError)
    }), { numRuns: backend === nobleBackend ? 15 : 100 })
  })
})
