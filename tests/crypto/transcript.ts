/**
 * A fixed conversation run with seeded randomness: the source of tests/vectors/parley-e2e-v1.json
 * (regenerate with `npx tsx tests/vectors/generate-e2e.ts` only when the wire format changes on
 * purpose, and say so in the commit).
 */
import type { CryptoBackend } from '../../src/crypto/backend.js'
import { acceptPrekeyMessage, initiateSession } from '../../src/crypto/pqxdh.js'
import { generateDeviceKeys } from '../../src/crypto/prekeys.js'
import { sealForDevice } from '../../src/crypto/sealed-sender.js'
import { decryptMessage, encryptMessage } from '../../src/crypto/session.js'
import { encodeSessionState } from '../../src/crypto/session-codec.js'
import { safetyNumber } from '../../src/crypto/safety-number.js'
import { hex, makeResponder, utf8 } from './helpers.js'

export interface Transcript {
  bundle: Record<string, unknown>
  messages: Array<{ from: 'alice' | 'bob', type: string, plaintext: string, body: string }>
  sealed: string
  aliceState: string
  bobState: string
  safetyNumber: string
}

export async function runTranscript (backend: CryptoBackend): Promise<Transcript> {
  const bob = await makeResponder(backend, 1_700_000_000_000, 1)
  const alice = await generateDeviceKeys(backend)
  const aliceAccount = await generateDeviceKeys(backend)
  const bundle = bob.bundle()
  let { state: a } = await initiateSession(backend, alice, bundle)
  const messages: Transcript['messages'] = []
  const script: Array<['alice' | 'bob', string]> = [
    ['alice', 'hello bob'], ['alice', 'second before reply'], ['bob', 'hi alice'], ['alice', 'ratchet step'], ['alice', 'same chain'], ['bob', 'bye']
  ]
  let b: Awaited<ReturnType<typeof acceptPrekeyMessage>>['state'] | undefined
  let sealed = ''
  for (const [from, plain] of script) {
    if (from === 'alice') {
      const sent = await encryptMessage(backend, a, utf8(plain))
      a = sent.state
      messages.push({ from, type: sent.message.type, plaintext: plain, body: hex(sent.message.body) })
      if (sealed === '') {
        sealed = hex(await sealForDevice(backend, {
          sender: { accountKey: aliceAccount.signing.publicKey, deviceKey: alice.signing.publicKey, identityDh: alice.identityDh },
          recipientIdentityDhKey: bob.device.identityDh.publicKey,
          message: sent.message
        }))
      }
      if (b === undefined) {
        b = (await acceptPrekeyMessage(backend, bob.device, bob.lookup, sent.message.body)).state
      } else {
        b = (await decryptMessage(backend, b, sent.message)).state
      }
    } else {
      const sent = await encryptMessage(backend, b!, utf8(plain))
      b = sent.state
      messages.push({ from, type: sent.message.type, plaintext: plain, body: hex(sent.message.body) })
      a = (await decryptMessage(backend, a, sent.message)).state
    }
  }
  return {
    bundle: {
      deviceKey: hex(bundle.deviceKey),
      identityDhKey: hex(bundle.identityDhKey),
      signedPrekey: { id: bundle.signedPrekey.id, publicKey: hex(bundle.signedPrekey.publicKey), signature: hex(bundle.signedPrekey.signature), createdAt: bundle.signedPrekey.createdAt },
      signedPqPrekeySignature: hex(bundle.signedPqPrekey.signature)
    },
    messages,
    sealed,
    aliceState: hex(encodeSessionState(a)),
    bobState: hex(encodeSessionState(b!)),
    safetyNumber: safetyNumber(aliceAccount.signing.publicKey, bob.device.signing.publicKey)
  }
}
