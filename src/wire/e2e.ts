import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RatchetHeader {
  ratchetKey: Uint8Array
  previousCounter: number
  counter: number
}

export namespace RatchetHeader {
  let _codec: Codec<RatchetHeader>

  export const codec = (): Codec<RatchetHeader> => {
    if (_codec == null) {
      _codec = message<RatchetHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ratchetKey != null && obj.ratchetKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.ratchetKey)
        }

        if ((obj.previousCounter != null && obj.previousCounter !== 0)) {
          w.uint32(16)
          w.uint32(obj.previousCounter)
        }

        if ((obj.counter != null && obj.counter !== 0)) {
          w.uint32(24)
          w.uint32(obj.counter)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ratchetKey: uint8ArrayAlloc(0),
          previousCounter: 0,
          counter: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ratchetKey = reader.bytes()
              break
            }
            case 2: {
              obj.previousCounter = reader.uint32()
              break
            }
            case 3: {
              obj.counter = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * () {})
    }

    return _codec
  }

  export interface RatchetHeaderRatchetKeyFieldEvent {
    field: '$.ratchetKey'
    value: Uint8Array
  }

  export interface RatchetHeaderPreviousCounterFieldEvent {
    field: '$.previousCounter'
    value: number
  }

  export interface RatchetHeaderCounterFieldEvent {
    field: '$.counter'
    value: number
  }

  export function encode (obj: Partial<RatchetHeader>): Uint8Array {
    return encodeMessage(obj, RatchetHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetHeader>): RatchetHeader {
    return decodeMessage(buf, RatchetHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetHeader>): Generator<RatchetHeaderRatchetKeyFieldEvent | RatchetHeaderPreviousCounterFieldEvent | RatchetHeaderCounterFieldEvent> {
    return streamMessage(buf, RatchetHeader.codec(), opts)
  }
}

export interface RatchetMessage {
  version: number
  header: Uint8Array
  ciphertext: Uint8Array
}

export namespace RatchetMessage {
  let _codec: Codec<RatchetMessage>

  export const codec = (): Codec<RatchetMessage> => {
    if (_codec == null) {
      _codec = message<RatchetMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.header != null && obj.header.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.header)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          header: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.header = reader.bytes()
              break
            }
            case 3: {
              obj.ciphertext = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * () {})
    }

    return _codec
  }

  export interface RatchetMessageVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface RatchetMessageHeaderFieldEvent {
    field: '$.header'
    value: Uint8Array
  }

  export interface RatchetMessageCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array
  }

  export function encode (obj: Partial<RatchetMessage>): Uint8Array {
    return encodeMessage(obj, RatchetMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetMessage>): RatchetMessage {
    return decodeMessage(buf, RatchetMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetMessage>): Generator<RatchetMessageVersionFieldEvent | RatchetMessageHeaderFieldEvent | RatchetMessageCiphertextFieldEvent> {
    return streamMessage(buf, RatchetMessage.codec(), opts)
  }
}

export interface PrekeyMessage {
  version: number
  deviceKey: Uint8Array
  identityDhKey: Uint8Array
  baseKey: Uint8Array
  signedPrekeyId: number
  oneTimePrekeyId?: number
  pqPrekeyId: number
  pqPrekeyOneTime: boolean
  kemCiphertext: Uint8Array
  message: Uint8Array
}

export namespace PrekeyMessage {
  let _codec: Codec<PrekeyMessage>

  export const codec = (): Codec<PrekeyMessage> => {
    if (_codec == null) {
      _codec = message<PrekeyMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.deviceKey != null && obj.deviceKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.deviceKey)
        }

        if ((obj.identityDhKey != null && obj.identityDhKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.identityDhKey)
        }

        if ((obj.baseKey != null && obj.baseKey.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.baseKey)
        }

        if ((obj.signedPrekeyId != null && obj.signedPrekeyId !== 0)) {
          w.uint32(40)
          w.uint32(obj.signedPrekeyId)
        }

        if (obj.oneTimePrekeyId != null) {
          w.uint32(48)
          w.uint32(obj.oneTimePrekeyId)
        }

        if ((obj.pqPrekeyId != null && obj.pqPrekeyId !== 0)) {
          w.uint32(56)
          w.uint32(obj.pqPrekeyId)
        }

        if ((obj.pqPrekeyOneTime != null && obj.pqPrekeyOneTime !== false)) {
          w.uint32(64)
          w.bool(obj.pqPrekeyOneTime)
        }

        if ((obj.kemCiphertext != null && obj.kemCiphertext.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.kemCiphertext)
        }

        if ((obj.message != null && obj.message.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          deviceKey: uint8ArrayAlloc(0),
          identityDhKey: uint8ArrayAlloc(0),
          baseKey: uint8ArrayAlloc(0),
          signedPrekeyId: 0,
          pqPrekeyId: 0,
          pqPrekeyOneTime: false,
          kemCiphertext: uint8ArrayAlloc(0),
          message: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.deviceKey = reader.bytes()
              break
            }
            case 3: {
              obj.identityDhKey = reader.bytes()
              break
            }
            case 4: {
              obj.baseKey = reader.bytes()
              break
            }
            case 5: {
              obj.signedPrekeyId = reader.uint32()
              break
            }
            case 6: {
              obj.oneTimePrekeyId = reader.uint32()
              break
            }
            case 7: {
              obj.pqPrekeyId = reader.uint32()
              break
            }
            case 8: {
              obj.pqPrekeyOneTime = reader.bool()
              break
            }
            case 9: {
              obj.kemCiphertext = reader.bytes()
              break
            }
            case 10: {
              obj.message = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * () {})
    }

    return _codec
  }

  export interface PrekeyMessageVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface PrekeyMessageDeviceKeyFieldEvent {
    field: '$.deviceKey'
    value: Uint8Array
  }

  export interface PrekeyMessageIdentityDhKeyFieldEvent {
    field: '$.identityDhKey'
    value: Uint8Array
  }

  export interface PrekeyMessageBaseKeyFieldEvent {
    field: '$.baseKey'
    value: Uint8Array
  }

  export interface PrekeyMessageSignedPrekeyIdFieldEvent {
    field: '$.signedPrekeyId'
    value: number
  }

  export interface PrekeyMessageOneTimePrekeyIdFieldEvent {
    field: '$.oneTimePrekeyId'
    value: number
  }

  export interface PrekeyMessagePqPrekeyIdFieldEvent {
    field: '$.pqPrekeyId'
    value: number
  }

  export interface PrekeyMessagePqPrekeyOneTimeFieldEvent {
    field: '$.pqPrekeyOneTime'
    value: boolean
  }

  export interface PrekeyMessageKemCiphertextFieldEvent {
    field: '$.kemCiphertext'
    value: Uint8Array
  }

  export interface PrekeyMessageMessageFieldEvent {
    field: '$.message'
    value: Uint8Array
  }

  export function encode (obj: Partial<PrekeyMessage>): Uint8Array {
    return encodeMessage(obj, PrekeyMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyMessage>): PrekeyMessage {
    return decodeMessage(buf, PrekeyMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyMessage>): Generator<PrekeyMessageVersionFieldEvent | PrekeyMessageDeviceKeyFieldEvent | PrekeyMessageIdentityDhKeyFieldEvent | PrekeyMessageBaseKeyFieldEvent | PrekeyMessageSignedPrekeyIdFieldEvent | PrekeyMessageOneTimePrekeyIdFieldEvent | PrekeyMessagePqPrekeyIdFieldEvent | PrekeyMessagePqPrekeyOneTimeFieldEvent | PrekeyMessageKemCiphertextFieldEvent | PrekeyMessageMessageFieldEvent> {
    return streamMessage(buf, PrekeyMessage.codec(), opts)
  }
}

export enum MessageType {
  UNKNOWN = 'UNKNOWN',
  PREKEY = 'PREKEY',
  RATCHET = 'RATCHET'
}

enum __MessageTypeValues {
  UNKNOWN = 0,
  PREKEY = 1,
  RATCHET = 2
}

export namespace MessageType {
  export const codec = (): Codec<MessageType> => {
    return enumeration<MessageType>(__MessageTypeValues)
  }
}

export interface SealedContent {
  version: number
  senderAccountKey: Uint8Array
  senderDeviceKey: Uint8Array
  type: MessageType
  message: Uint8Array
}

export namespace SealedContent {
  let _codec: Codec<SealedContent>

  export const codec = (): Codec<SealedContent> => {
    if (_codec == null) {
      _codec = message<SealedContent>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.senderAccountKey != null && obj.senderAccountKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.senderAccountKey)
        }

        if ((obj.senderDeviceKey != null && obj.senderDeviceKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.senderDeviceKey)
        }

        if (obj.type != null && __MessageTypeValues[obj.type] !== 0) {
          w.uint32(32)
          MessageType.codec().encode(obj.type, w)
        }

        if ((obj.message != null && obj.message.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          senderAccountKey: uint8ArrayAlloc(0),
          senderDeviceKey: uint8ArrayAlloc(0),
          type: MessageType.UNKNOWN,
          message: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.senderAccountKey = reader.bytes()
              break
            }
            case 3: {
              obj.senderDeviceKey = reader.bytes()
              break
            }
            case 4: {
              obj.type = MessageType.codec().decode(reader)
              break
            }
            case 5: {
              obj.message = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * () {})
    }

    return _codec
  }

  export interface SealedContentVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SealedContentSenderAccountKeyFieldEvent {
    field: '$.senderAccountKey'
    value: Uint8Array
  }

  export interface SealedContentSenderDeviceKeyFieldEvent {
    field: '$.senderDeviceKey'
    value: Uint8Array
  }

  export interface SealedContentTypeFieldEvent {
    field: '$.type'
    value: MessageType
  }

  export interface SealedContentMessageFieldEvent {
    field: '$.message'
    value: Uint8Array
  }

  export function encode (obj: Partial<SealedContent>): Uint8Array {
    return encodeMessage(obj, SealedContent.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedContent>): SealedContent {
    return decodeMessage(buf, SealedContent.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedContent>): Generator<SealedContentVersionFieldEvent | SealedContentSenderAccountKeyFieldEvent | SealedContentSenderDeviceKeyFieldEvent | SealedContentTypeFieldEvent | SealedContentMessageFieldEvent> {
    return streamMessage(buf, SealedContent.codec(), opts)
  }
}

export interface SealedBox {
  version: number
  ephemeralKey: Uint8Array
  staticCiphertext: Uint8Array
  ciphertext: Uint8Array
}

export namespace SealedBox {
  let _codec: Codec<SealedBox>

  export const codec = (): Codec<SealedBox> => {
    if (_codec == null) {
      _codec = message<SealedBox>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.ephemeralKey != null && obj.ephemeralKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ephemeralKey)
        }

        if ((obj.staticCiphertext != null && obj.staticCiphertext.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.staticCiphertext)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          ephemeralKey: uint8ArrayAlloc(0),
          staticCiphertext: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.ephemeralKey = reader.bytes()
              break
            }
            case 3: {
              obj.staticCiphertext = reader.bytes()
              break
            }
            case 4: {
              obj.ciphertext = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * () {})
    }

    return _codec
  }

  export interface SealedBoxVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SealedBoxEphemeralKeyFieldEvent {
    field: '$.ephemeralKey'
    value: Uint8Array
  }

  export interface SealedBoxStaticCiphertextFieldEvent {
    field: '$.staticCiphertext'
    value: Uint8Array
  }

  export interface SealedBoxCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array
  }

  export function encode (obj: Partial<SealedBox>): Uint8Array {
    return encodeMessage(obj, SealedBox.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedBox>): SealedBox {
    return decodeMessage(buf, SealedBox.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedBox>): Generator<SealedBoxVersionFieldEvent | SealedBoxEphemeralKeyFieldEvent | SealedBoxStaticCiphertextFieldEvent | SealedBoxCiphertextFieldEvent> {
    return streamMessage(buf, SealedBox.codec(), opts)
  }
}

export interface SkippedMessageKey {
  ratchetKey: Uint8Array
  counter: number
  messageKey: Uint8Array
}

export namespace SkippedMessageKey {
  let _codec: Codec<SkippedMessageKey>

  export const codec = (): Codec<SkippedMessageKey> => {
    if (_codec == null) {
      _codec = message<SkippedMessageKey>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.ratchetKey != null && obj.ratchetKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.ratchetKey)
        }

        if ((obj.counter != null && obj.counter !== 0)) {
          w.uint32(16)
          w.uint32(obj.counter)
        }

        if ((obj.messageKey != null && obj.messageKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.messageKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ratchetKey: uint8ArrayAlloc(0),
          counter: 0,
          messageKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.ratchetKey = reader.bytes()
              break
            }
            case 2: {
              obj.counter = reader.uint32()
              break
            }
            case 3: {
              obj.messageKey = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * () {})
    }

    return _codec
  }

  export interface SkippedMessageKeyRatchetKeyFieldEvent {
    field: '$.ratchetKey'
    value: Uint8Array
  }

  export interface SkippedMessageKeyCounterFieldEvent {
    field: '$.counter'
    value: number
  }

  export interface SkippedMessageKeyMessageKeyFieldEvent {
    field: '$.messageKey'
    value: Uint8Array
  }

  export function encode (obj: Partial<SkippedMessageKey>): Uint8Array {
    return encodeMessage(obj, SkippedMessageKey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SkippedMessageKey>): SkippedMessageKey {
    return decodeMessage(buf, SkippedMessageKey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SkippedMessageKey>): Generator<SkippedMessageKeyRatchetKeyFieldEvent | SkippedMessageKeyCounterFieldEvent | SkippedMessageKeyMessageKeyFieldEvent> {
    return streamMessage(buf, SkippedMessageKey.codec(), opts)
  }
}

export interface PendingPrekey {
  baseKey: Uint8Array
  signedPrekeyId: number
  oneTimePrekeyId?: number
  pqPrekeyId: number
  pqPrekeyOneTime: boolean
  kemCiphertext: Uint8Array
}

export namespace PendingPrekey {
  let _codec: Codec<PendingPrekey>

  export const codec = (): Codec<PendingPrekey> => {
    if (_codec == null) {
      _codec = message<PendingPrekey>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.baseKey != null && obj.baseKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.baseKey)
        }

        if ((obj.signedPrekeyId != null && obj.signedPrekeyId !== 0)) {
          w.uint32(16)
          w.uint32(obj.signedPrekeyId)
        }

        if (obj.oneTimePrekeyId != null) {
          w.uint32(24)
          w.uint32(obj.oneTimePrekeyId)
        }

        if ((obj.pqPrekeyId != null && obj.pqPrekeyId !== 0)) {
          w.uint32(32)
          w.uint32(obj.pqPrekeyId)
        }

        if ((obj.pqPrekeyOneTime != null && obj.pqPrekeyOneTime !== false)) {
          w.uint32(40)
          w.bool(obj.pqPrekeyOneTime)
        }

        if ((obj.kemCiphertext != null && obj.kemCiphertext.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.kemCiphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          baseKey: uint8ArrayAlloc(0),
          signedPrekeyId: 0,
          pqPrekeyId: 0,
          pqPrekeyOneTime: false,
          kemCiphertext: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.baseKey = reader.bytes()
              break
            }
            case 2: {
              obj.signedPrekeyId = reader.uint32()
              break
            }
            case 3: {
              obj.oneTimePrekeyId = reader.uint32()
              break
            }
            case 4: {
              obj.pqPrekeyId = reader.uint32()
              break
            }
            case 5: {
              obj.pqPrekeyOneTime = reader.bool()
              break
            }
            case 6: {
              obj.kemCiphertext = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * () {})
    }

    return _codec
  }

  export interface PendingPrekeyBaseKeyFieldEvent {
    field: '$.baseKey'
    value: Uint8Array
  }

  export interface PendingPrekeySignedPrekeyIdFieldEvent {
    field: '$.signedPrekeyId'
    value: number
  }

  export interface PendingPrekeyOneTimePrekeyIdFieldEvent {
    field: '$.oneTimePrekeyId'
    value: number
  }

  export interface PendingPrekeyPqPrekeyIdFieldEvent {
    field: '$.pqPrekeyId'
    value: number
  }

  export interface PendingPrekeyPqPrekeyOneTimeFieldEvent {
    field: '$.pqPrekeyOneTime'
    value: boolean
  }

  export interface PendingPrekeyKemCiphertextFieldEvent {
    field: '$.kemCiphertext'
    value: Uint8Array
  }

  export function encode (obj: Partial<PendingPrekey>): Uint8Array {
    return encodeMessage(obj, PendingPrekey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PendingPrekey>): PendingPrekey {
    return decodeMessage(buf, PendingPrekey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PendingPrekey>): Generator<PendingPrekeyBaseKeyFieldEvent | PendingPrekeySignedPrekeyIdFieldEvent | PendingPrekeyOneTimePrekeyIdFieldEvent | PendingPrekeyPqPrekeyIdFieldEvent | PendingPrekeyPqPrekeyOneTimeFieldEvent | PendingPrekeyKemCiphertextFieldEvent> {
    return streamMessage(buf, PendingPrekey.codec(), opts)
  }
}

export interface SessionStateRecord {
  version: number
  localDeviceKey: Uint8Array
  localIdentityDhKey: Uint8Array
  remoteDeviceKey: Uint8Array
  remoteIdentityDhKey: Uint8Array
  initiator: boolean
  baseKey: Uint8Array
  associatedData: Uint8Array
  rootKey: Uint8Array
  ratchetPublicKey: Uint8Array
  ratchetPrivateKey: Uint8Array
  remoteRatchetKey?: Uint8Array
  sendingChainKey?: Uint8Array
  receivingChainKey?: Uint8Array
  sendCounter: number
  receiveCounter: number
  previousSendCounter: number
  skipped: SkippedMessageKey[]
  pending?: PendingPrekey
  previousRemoteRatchetKeys: Uint8Array[]
}

export namespace SessionStateRecord {
  let _codec: Codec<SessionStateRecord>

  export const codec = (): Codec<SessionStateRecord> => {
    if (_codec == null) {
      _codec = message<SessionStateRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.localDeviceKey != null && obj.localDeviceKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.localDeviceKey)
        }

        if ((obj.localIdentityDhKey != null && obj.localIdentityDhKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.localIdentityDhKey)
        }

        if ((obj.remoteDeviceKey != null && obj.remoteDeviceKey.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.remoteDeviceKey)
        }

        if ((obj.remoteIdentityDhKey != null && obj.remoteIdentityDhKey.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.remoteIdentityDhKey)
        }

        if ((obj.initiator != null && obj.initiator !== false)) {
          w.uint32(48)
          w.bool(obj.initiator)
        }

        if ((obj.baseKey != null && obj.baseKey.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.baseKey)
        }

        if ((obj.associatedData != null && obj.associatedData.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.associatedData)
        }

        if ((obj.rootKey != null && obj.rootKey.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.rootKey)
        }

        if ((obj.ratchetPublicKey != null && obj.ratchetPublicKey.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.ratchetPublicKey)
        }

        if ((obj.ratchetPrivateKey != null && obj.ratchetPrivateKey.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.ratchetPrivateKey)
        }

        if (obj.remoteRatchetKey != null) {
          w.uint32(98)
          w.bytes(obj.remoteRatchetKey)
        }

        if (obj.sendingChainKey != null) {
          w.uint32(106)
          w.bytes(obj.sendingChainKey)
        }

        if (obj.receivingChainKey != null) {
          w.uint32(114)
          w.bytes(obj.receivingChainKey)
        }

        if ((obj.sendCounter != null && obj.sendCounter !== 0)) {
          w.uint32(120)
          w.uint32(obj.sendCounter)
        }

        if ((obj.receiveCounter != null && obj.receiveCounter !== 0)) {
          w.uint32(128)
          w.uint32(obj.receiveCounter)
        }

        if ((obj.previousSendCounter != null && obj.previousSendCounter !== 0)) {
          w.uint32(136)
          w.uint32(obj.previousSendCounter)
        }

        if (obj.skipped != null && obj.skipped.length > 0) {
          for (const value of obj.skipped) {
            w.uint32(146)
            SkippedMessageKey.codec().encode(value, w)
          }
        }

        if (obj.pending != null) {
          w.uint32(154)
          PendingPrekey.codec().encode(obj.pending, w)
        }

        if (obj.previousRemoteRatchetKeys != null && obj.previousRemoteRatchetKeys.length > 0) {
          for (const value of obj.previousRemoteRatchetKeys) {
            w.uint32(162)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          localDeviceKey: uint8ArrayAlloc(0),
          localIdentityDhKey: uint8ArrayAlloc(0),
          remoteDeviceKey: uint8ArrayAlloc(0),
          remoteIdentityDhKey: uint8ArrayAlloc(0),
          initiator: false,
          baseKey: uint8ArrayAlloc(0),
          associatedData: uint8ArrayAlloc(0),
          rootKey: uint8ArrayAlloc(0),
          ratchetPublicKey: uint8ArrayAlloc(0),
          ratchetPrivateKey: uint8ArrayAlloc(0),
          sendCounter: 0,
          receiveCounter: 0,
          previousSendCounter: 0,
          skipped: [],
          previousRemoteRatchetKeys: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.localDeviceKey = reader.bytes()
              break
            }
            case 3: {
              obj.localIdentityDhKey = reader.bytes()
              break
            }
            case 4: {
              obj.remoteDeviceKey = reader.bytes()
              break
            }
            case 5: {
              obj.remoteIdentityDhKey = reader.bytes()
              break
            }
            case 6: {
              obj.initiator = reader.bool()
              break
            }
            case 7: {
              obj.baseKey = reader.bytes()
              break
            }
            case 8: {
              obj.associatedData = reader.bytes()
              break
            }
            case 9: {
              obj.rootKey = reader.bytes()
              break
            }
            case 10: {
              obj.ratchetPublicKey = reader.bytes()
              break
            }
            case 11: {
              obj.ratchetPrivateKey = reader.bytes()
              break
            }
            case 12: {
              obj.remoteRatchetKey = reader.bytes()
              break
            }
            case 13: {
              obj.sendingChainKey = reader.bytes()
              break
            }
            case 14: {
              obj.receivingChainKey = reader.bytes()
              break
            }
            case 15: {
              obj.sendCounter = reader.uint32()
              break
            }
            case 16: {
              obj.receiveCounter = reader.uint32()
              break
            }
            case 17: {
              obj.previousSendCounter = reader.uint32()
              break
            }
            case 18: {
              if (opts.limits?.skipped != null && obj.skipped.length === opts.limits.skipped) {
                throw new MaxLengthError('Decode error - repeated field "skipped" had too many elements')
              }

              obj.skipped.push(SkippedMessageKey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.skipped$
              }))
              break
            }
            case 19: {
              obj.pending = PendingPrekey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.pending
              })
              break
            }
            case 20: {
              if (opts.limits?.previousRemoteRatchetKeys != null && obj.previousRemoteRatchetKeys.length === opts.limits.previousRemoteRatchetKeys) {
                throw new MaxLengthError('Decode error - repeated field "previousRemoteRatchetKeys" had too many elements')
              }

              obj.previousRemoteRatchetKeys.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * () {})
    }

    return _codec
  }

  export interface SessionStateRecordVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SessionStateRecordLocalDeviceKeyFieldEvent {
    field: '$.localDeviceKey'
    value: Uint8Array
  }

  export interface SessionStateRecordLocalIdentityDhKeyFieldEvent {
    field: '$.localIdentityDhKey'
    value: Uint8Array
  }

  export interface SessionStateRecordRemoteDeviceKeyFieldEvent {
    field: '$.remoteDeviceKey'
    value: Uint8Array
  }

  export interface SessionStateRecordRemoteIdentityDhKeyFieldEvent {
    field: '$.remoteIdentityDhKey'
    value: Uint8Array
  }

  export interface SessionStateRecordInitiatorFieldEvent {
    field: '$.initiator'
    value: boolean
  }

  export interface SessionStateRecordBaseKeyFieldEvent {
    field: '$.baseKey'
    value: Uint8Array
  }

  export interface SessionStateRecordAssociatedDataFieldEvent {
    field: '$.associatedData'
    value: Uint8Array
  }

  export interface SessionStateRecordRootKeyFieldEvent {
    field: '$.rootKey'
    value: Uint8Array
  }

  export interface SessionStateRecordRatchetPublicKeyFieldEvent {
    field: '$.ratchetPublicKey'
    value: Uint8Array
  }

  export interface SessionStateRecordRatchetPrivateKeyFieldEvent {
    field: '$.ratchetPrivateKey'
    value: Uint8Array
  }

  export interface SessionStateRecordRemoteRatchetKeyFieldEvent {
    field: '$.remoteRatchetKey'
    value: Uint8Array
  }

  export interface SessionStateRecordSendingChainKeyFieldEvent {
    field: '$.sendingChainKey'
    value: Uint8Array
  }

  export interface SessionStateRecordReceivingChainKeyFieldEvent {
    field: '$.receivingChainKey'
    value: Uint8Array
  }

  export interface SessionStateRecordSendCounterFieldEvent {
    field: '$.sendCounter'
    value: number
  }

  export interface SessionStateRecordReceiveCounterFieldEvent {
    field: '$.receiveCounter'
    value: number
  }

  export interface SessionStateRecordPreviousSendCounterFieldEvent {
    field: '$.previousSendCounter'
    value: number
  }

  export interface SessionStateRecordSkippedRatchetKeyFieldEvent {
    field: '$.skipped[].ratchetKey'
    value: Uint8Array
    index: number
  }

  export interface SessionStateRecordSkippedCounterFieldEvent {
    field: '$.skipped[].counter'
    value: number
    index: number
  }

  export interface SessionStateRecordSkippedMessageKeyFieldEvent {
    field: '$.skipped[].messageKey'
    value: Uint8Array
    index: number
  }

  export interface SessionStateRecordPendingBaseKeyFieldEvent {
    field: '$.pending.baseKey'
    value: Uint8Array
  }

  export interface SessionStateRecordPendingSignedPrekeyIdFieldEvent {
    field: '$.pending.signedPrekeyId'
    value: number
  }

  export interface SessionStateRecordPendingOneTimePrekeyIdFieldEvent {
    field: '$.pending.oneTimePrekeyId'
    value: number
  }

  export interface SessionStateRecordPendingPqPrekeyIdFieldEvent {
    field: '$.pending.pqPrekeyId'
    value: number
  }

  export interface SessionStateRecordPendingPqPrekeyOneTimeFieldEvent {
    field: '$.pending.pqPrekeyOneTime'
    value: boolean
  }

  export interface SessionStateRecordPendingKemCiphertextFieldEvent {
    field: '$.pending.kemCiphertext'
    value: Uint8Array
  }

  export interface SessionStateRecordPreviousRemoteRatchetKeysFieldEvent {
    field: '$.previousRemoteRatchetKeys[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<SessionStateRecord>): Uint8Array {
    return encodeMessage(obj, SessionStateRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionStateRecord>): SessionStateRecord {
    return decodeMessage(buf, SessionStateRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionStateRecord>): Generator<SessionStateRecordVersionFieldEvent | SessionStateRecordLocalDeviceKeyFieldEvent | SessionStateRecordLocalIdentityDhKeyFieldEvent | SessionStateRecordRemoteDeviceKeyFieldEvent | SessionStateRecordRemoteIdentityDhKeyFieldEvent | SessionStateRecordInitiatorFieldEvent | SessionStateRecordBaseKeyFieldEvent | SessionStateRecordAssociatedDataFieldEvent | SessionStateRecordRootKeyFieldEvent | SessionStateRecordRatchetPublicKeyFieldEvent | SessionStateRecordRatchetPrivateKeyFieldEvent | SessionStateRecordRemoteRatchetKeyFieldEvent | SessionStateRecordSendingChainKeyFieldEvent | SessionStateRecordReceivingChainKeyFieldEvent | SessionStateRecordSendCounterFieldEvent | SessionStateRecordReceiveCounterFieldEvent | SessionStateRecordPreviousSendCounterFieldEvent | SessionStateRecordSkippedRatchetKeyFieldEvent | SessionStateRecordSkippedCounterFieldEvent | SessionStateRecordSkippedMessageKeyFieldEvent | SessionStateRecordPendingBaseKeyFieldEvent | SessionStateRecordPendingSignedPrekeyIdFieldEvent | SessionStateRecordPendingOneTimePrekeyIdFieldEvent | SessionStateRecordPendingPqPrekeyIdFieldEvent | SessionStateRecordPendingPqPrekeyOneTimeFieldEvent | SessionStateRecordPendingKemCiphertextFieldEvent | SessionStateRecordPreviousRemoteRatchetKeysFieldEvent> {
    return streamMessage(buf, SessionStateRecord.codec(), opts)
  }
}
