/** Decode-time limits and typed errors for every wire structure. */
import { describe, expect, it } from 'vitest'
import {
  decodePrekeyMessage, decodeRatchetHeader, decodeRatchetMessage, decodeSealedBox, decodeSealedContent
} from '../../src/crypto/codec.js'
import { MAX_PREKEY_MESSAGE_BYTES, MAX_RATCHET_MESSAGE_BYTES, MAX_SEALED_BOX_BYTES } from '../../src/crypto/constants.js'
import { RatchetMessage, SealedBox } from '../../src/wire/e2e.js'

const decoders = [decodeRatchetHeader, decodeRatchetMessage, decodePrekeyMessage, decodeSealedBox, decodeSealedContent]

describe('e2e codecs', () => {
  it('oversized input is refused before parsing', () => {
    expect(() => decodeRatchetMessage(new Uint8Array(MAX_RATCHET_MESSAGE_BYTES + 1))).toThrow(expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE' }))
    expect(() => decodePrekeyMessage(new Uint8Array(MAX_PREKEY_MESSAGE_BYTES + 1))).toThrow(expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE' }))
    expect(() => decodeSealedBox(new Uint8Array(MAX_SEALED_BOX_BYTES + 1))).toThrow(expect.objectContaining({ code: 'ERR_MESSAGE_TOO_LARGE' }))
  })

  it('garbage and empty input are MalformedMessageError (or a version error)', () => {
    for (const decode of decoders) {
      for (const bytes of [new Uint8Array([0xff, 0xff, 0xff]), new Uint8Array(0), new Uint8Array([0x0a, 0x05, 1])]) {
        expect(() => decode(bytes)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^ERR_(MALFORMED_MESSAGE|UNSUPPORTED_VERSION)$/) }))
      }
    }
  })

  it('wrong versions and field lengths are refused', () => {
    const header = new Uint8Array([0x0a, 0x20, ...new Uint8Array(32)])
    expect(() => decodeRatchetMessage(RatchetMessage.encode({ version: 2, header, ciphertext: new Uint8Array(16) }))).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_VERSION' }))
    expect(() => decodeRatchetMessage(RatchetMessage.encode({ version: 1, header, ciphertext: new Uint8Array(15) }))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_MESSAGE' }))
    expect(() => decodeSealedBox(SealedBox.encode({ version: 1, ephemeralKey: new Uint8Array(31), staticCiphertext: new Uint8Array(48), ciphertext: new Uint8Array(16) }))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_MESSAGE' }))
    expect(() => decodeRatchetHeader(new Uint8Array([0x0a, 0x1f, ...new Uint8Array(31)]))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_MESSAGE' }))
  })
})
