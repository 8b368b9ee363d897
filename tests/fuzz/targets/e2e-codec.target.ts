import * as fc from 'fast-check'
import {
  MessageType, decodePrekeyMessage, decodeRatchetHeader, decodeRatchetMessage, decodeSealedBox, decodeSealedContent,
  PrekeyMessage, RatchetHeader, RatchetMessage, SealedBox, SealedContent
} from '../../../src/crypto/codec.js'
import { MLKEM768_CIPHERTEXT_BYTES } from '../../../src/crypto/constants.js'
import { decodeSessionState } from '../../../src/crypto/session-codec.js'
import { bytes } from '../arbitraries.js'
import { hostileBytes } from '../mutate.js'
import { pureTarget, typedOrResult } from '../target.js'

const u32 = fc.nat()
const header = fc.record({ ratchetKey: bytes(32), previousCounter: u32, counter: u32 }).map((h) => RatchetHeader.encode(h))
const ratchet = fc.record({ version: fc.constantFrom(1, 2), header, ciphertext: fc.uint8Array({ minLength: 16, maxLength: 64 }) }).map((m) => RatchetMessage.encode(m))
const valid = fc.oneof(
  header,
  ratchet,
  fc.record({ version: fc.constant(1), deviceKey: bytes(32), identityDhKey: bytes(32), baseKey: bytes(32), signedPrekeyId: u32, pqPrekeyId: u32, pqPrekeyOneTime: fc.boolean(), kemCiphertext: bytes(MLKEM768_CIPHERTEXT_BYTES), oneTimePrekeyId: u32, message: ratchet }).map((m) => PrekeyMessage.encode(m as PrekeyMessage)),
  fc.record({ version: fc.constant(1), ephemeralKey: bytes(32), staticCiphertext: bytes(48), ciphertext: fc.uint8Array({ minLength: 16, maxLength: 200 }) }).map((m) => SealedBox.encode(m as SealedBox)),
  fc.record({ version: fc.constant(1), senderAccountKey: bytes(32), senderDeviceKey: bytes(32), type: fc.constantFrom(MessageType.UNKNOWN, MessageType.PREKEY, MessageType.RATCHET), message: ratchet }).map((m) => SealedContent.encode(m as SealedContent))
)

/** Every end-to-end decoder (the envelope payload and what is inside it) and the stored session state. */
export default pureTarget({
  name: 'e2e-codec',
  covers: 'decodeSealedBox, decodeSealedContent, decodePrekeyMessage, decodeRatchetMessage, decodeRatchetHeader (src/crypto/codec.ts), decodeSessionState',
  input: hostileBytes(valid, 1024),
  runs: 1500,
  run: (input: Uint8Array) => {
    for (const decode of [decodeSealedBox, decodeSealedContent, decodePrekeyMessage, decodeRatchetMessage, decodeRatchetHeader, decodeSessionState]) {
      typedOrResult(() => decode(input))
    }
  }
})
