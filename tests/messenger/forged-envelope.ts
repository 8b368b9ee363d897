import { randomBytes } from '@noble/hashes/utils.js'
import { generateEd25519KeyPair, generateX25519KeyPair, nativeBackend, sealForDevice } from '../../src/crypto/index.js'
import type { DeviceEntry } from '../../src/identity/account-record.js'
import { ENVELOPE_VERSION, type Envelope } from '../../src/net/envelope-codec.js'

/**
 * What an attacker builds from the victim's public account record alone: a well-formed sealed
 * envelope for `victim` whose sealed sender names a fresh account that has no record anywhere
 * (so receiving it fails with `ERR_ACCOUNT_NOT_FOUND`), carrying random ratchet bytes. Pass
 * `claimed` to name the same non-existent account in several envelopes.
 */
export async function forgedEnvelopeFromUnknownAccount (victim: Pick<DeviceEntry, 'deviceKey' | 'identityDhKey'>, claimed?: { accountKey: Uint8Array }): Promise<Envelope> {
  const account = claimed != null ? { publicKey: claimed.accountKey } : await generateEd25519KeyPair(nativeBackend)
  const device = await generateEd25519KeyPair(nativeBackend)
  const identityDh = await generateX25519KeyPair(nativeBackend)
  const payload = await sealForDevice(nativeBackend, {
    sender: { accountKey: account.publicKey, deviceKey: device.publicKey, identityDh },
    recipientIdentityDhKey: victim.identityDhKey,
    message: { type: 'ratchet', body: randomBytes(96) }
  })
  const now = Date.now()
  return {
    version: ENVELOPE_VERSION,
    id: randomBytes(16),
    recipientDevice: victim.deviceKey,
    payload,
    createdAt: BigInt(now),
    expiresAt: BigInt(now + 24 * 3600 * 1000),
    flags: 0
  }
}
