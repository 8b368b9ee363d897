import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Content {
  version: number
  kind: Content.Kind
  messageId: Uint8Array
  sentAt: bigint
  clock: bigint
  ttlMs: bigint
  secretChatId: Uint8Array
  syncPeer: Uint8Array
  text: string
  targetId: Uint8Array
  emoji: string
  ids: Uint8Array[]
  receipt: Content.ReceiptType
  flag: boolean
  secretAction: Content.SecretAction
  directOnly: boolean
}

export namespace Content {
  export enum Kind {
    UNKNOWN = 'UNKNOWN',
    TEXT = 'TEXT',
    EDIT = 'EDIT',
    REACTION = 'REACTION',
    DELETE = 'DELETE',
    RECEIPT = 'RECEIPT',
    TYPING = 'TYPING',
    SCREENSHOT = 'SCREENSHOT',
    TIMER = 'TIMER',
    SECRET_CONTROL = 'SECRET_CONTROL',
    SESSION_RESET = 'SESSION_RESET',
    ATTACHMENT = 'ATTACHMENT'
  }

  enum __KindValues {
    UNKNOWN = 0,
    TEXT = 1,
    EDIT = 2,
    REACTION = 3,
    DELETE = 4,
    RECEIPT = 5,
    TYPING = 6,
    SCREENSHOT = 7,
    TIMER = 8,
    SECRET_CONTROL = 9,
    SESSION_RESET = 10,
    ATTACHMENT = 11
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  export enum ReceiptType {
    DELIVERED = 'DELIVERED',
    READ = 'READ'
  }

  enum __ReceiptTypeValues {
    DELIVERED = 0,
    READ = 1
  }

  export namespace ReceiptType {
    export const codec = (): Codec<ReceiptType> => {
      return enumeration<ReceiptType>(__ReceiptTypeValues)
    }
  }

  export enum SecretAction {
    START = 'START',
    ACCEPT = 'ACCEPT',
    CLOSE = 'CLOSE'
  }

  enum __SecretActionValues {
    START = 0,
    ACCEPT = 1,
    CLOSE = 2
  }

  export namespace SecretAction {
    export const codec = (): Codec<SecretAction> => {
      return enumeration<SecretAction>(__SecretActionValues)
    }
  }

  let _codec: Codec<Content>

  export const codec = (): Codec<Content> => {
    if (_codec == null) {
      _codec = message<Content>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(16)
          Content.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.messageId != null && obj.messageId.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.messageId)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.sentAt)
        }

        if ((obj.clock != null && obj.clock !== 0n)) {
          w.uint32(40)
          w.uint64(obj.clock)
        }

        if ((obj.ttlMs != null && obj.ttlMs !== 0n)) {
          w.uint32(48)
          w.uint64(obj.ttlMs)
        }

        if ((obj.secretChatId != null && obj.secretChatId.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.secretChatId)
        }

        if ((obj.syncPeer != null && obj.syncPeer.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.syncPeer)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(74)
          w.string(obj.text)
        }

        if ((obj.targetId != null && obj.targetId.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.targetId)
        }

        if ((obj.emoji != null && obj.emoji !== '')) {
          w.uint32(90)
          w.string(obj.emoji)
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(98)
            w.bytes(value)
          }
        }

        if (obj.receipt != null && __ReceiptTypeValues[obj.receipt] !== 0) {
          w.uint32(104)
          Content.ReceiptType.codec().encode(obj.receipt, w)
        }

        if ((obj.flag != null && obj.flag !== false)) {
          w.uint32(112)
          w.bool(obj.flag)
        }

        if (obj.secretAction != null && __SecretActionValues[obj.secretAction] !== 0) {
          w.uint32(120)
          Content.SecretAction.codec().encode(obj.secretAction, w)
        }

        if ((obj.directOnly != null && obj.directOnly !== false)) {
          w.uint32(128)
          w.bool(obj.directOnly)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          kind: Kind.UNKNOWN,
          messageId: uint8ArrayAlloc(0),
          sentAt: 0n,
          clock: 0n,
          ttlMs: 0n,
          secretChatId: uint8ArrayAlloc(0),
          syncPeer: uint8ArrayAlloc(0),
          text: '',
          targetId: uint8ArrayAlloc(0),
          emoji: '',
          ids: [],
          receipt: ReceiptType.DELIVERED,
          flag: false,
          secretAction: SecretAction.START,
          directOnly: false
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
              obj.kind = Content.Kind.codec().decode(reader)
              break
            }
            case 3: {
              obj.messageId = reader.bytes()
              break
            }
            case 4: {
              obj.sentAt = reader.uint64()
              break
            }
            case 5: {
              obj.clock = reader.uint64()
              break
            }
            case 6: {
              obj.ttlMs = reader.uint64()
              break
            }
            case 7: {
              obj.secretChatId = reader.bytes()
              break
            }
            case 8: {
              obj.syncPeer = reader.bytes()
              break
            }
            case 9: {
              obj.text = reader.string()
              break
            }
            case 10: {
              obj.targetId = reader.bytes()
              break
            }
            case 11: {
              obj.emoji = reader.string()
              break
            }
            case 12: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              if (obj.ids.length === 500) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.bytes())
              break
            }
            case 13: {
              obj.receipt = Content.ReceiptType.codec().decode(reader)
              break
            }
            case 14: {
              obj.flag = reader.bool()
              break
            }
            case 15: {
              obj.secretAction = Content.SecretAction.codec().decode(reader)
              break
            }
            case 16: {
              obj.directOnly = reader.bool()
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

  export interface ContentVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface ContentKindFieldEvent {
    field: '$.kind'
    value: Content.Kind
  }

  export interface ContentMessageIdFieldEvent {
    field: '$.messageId'
    value: Uint8Array
  }

  export interface ContentSentAtFieldEvent {
    field: '$.sentAt'
    value: bigint
  }

  export interface ContentClockFieldEvent {
    field: '$.clock'
    value: bigint
  }

  export interface ContentTtlMsFieldEvent {
    field: '$.ttlMs'
    value: bigint
  }

  export interface ContentSecretChatIdFieldEvent {
    field: '$.secretChatId'
    value: Uint8Array
  }

  export interface ContentSyncPeerFieldEvent {
    field: '$.syncPeer'
    value: Uint8Array
  }

  export interface ContentTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface ContentTargetIdFieldEvent {
    field: '$.targetId'
    value: Uint8Array
  }

  export interface ContentEmojiFieldEvent {
    field: '$.emoji'
    value: string
  }

  export interface ContentIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array
  }

  export interface ContentReceiptFieldEvent {
    field: '$.receipt'
    value: Content.ReceiptType
  }

  export interface ContentFlagFieldEvent {
    field: '$.flag'
    value: boolean
  }

  export interface ContentSecretActionFieldEvent {
    field: '$.secretAction'
    value: Content.SecretAction
  }

  export interface ContentDirectOnlyFieldEvent {
    field: '$.directOnly'
    value: boolean
  }

  export function encode (obj: Partial<Content>): Uint8Array {
    return encodeMessage(obj, Content.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Content>): Content {
    return decodeMessage(buf, Content.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Content>): Generator<ContentVersionFieldEvent | ContentKindFieldEvent | ContentMessageIdFieldEvent | ContentSentAtFieldEvent | ContentClockFieldEvent | ContentTtlMsFieldEvent | ContentSecretChatIdFieldEvent | ContentSyncPeerFieldEvent | ContentTextFieldEvent | ContentTargetIdFieldEvent | ContentEmojiFieldEvent | ContentIdsFieldEvent | ContentReceiptFieldEvent | ContentFlagFieldEvent | ContentSecretActionFieldEvent | ContentDirectOnlyFieldEvent> {
    return streamMessage(buf, Content.codec(), opts)
  }
}
