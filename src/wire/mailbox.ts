/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface MailboxPrekey {
  id: number
  kind: MailboxPrekey.Kind
  blob: Uint8Array
}

export namespace MailboxPrekey {
  export enum Kind {
    X25519 = 'X25519',
    ML_KEM = 'ML_KEM'
  }

  enum __KindValues {
    X25519 = 0,
    ML_KEM = 1
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<MailboxPrekey>

  export const codec = (): Codec<MailboxPrekey> => {
    if (_codec == null) {
      _codec = message<MailboxPrekey>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(16)
          MailboxPrekey.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.blob != null && obj.blob.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.blob)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          kind: Kind.X25519,
          blob: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              obj.kind = MailboxPrekey.Kind.codec().decode(reader)
              break
            }
            case 3: {
              obj.blob = reader.bytes()
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

  export interface MailboxPrekeyIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface MailboxPrekeyKindFieldEvent {
    field: '$.kind'
    value: MailboxPrekey.Kind
  }

  export interface MailboxPrekeyBlobFieldEvent {
    field: '$.blob'
    value: Uint8Array
  }

  export function encode (obj: Partial<MailboxPrekey>): Uint8Array {
    return encodeMessage(obj, MailboxPrekey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxPrekey>): MailboxPrekey {
    return decodeMessage(buf, MailboxPrekey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxPrekey>): Generator<MailboxPrekeyIdFieldEvent | MailboxPrekeyKindFieldEvent | MailboxPrekeyBlobFieldEvent> {
    return streamMessage(buf, MailboxPrekey.codec(), opts)
  }
}

export interface MailboxRequest {
  requestId: bigint
  deposit?: MailboxRequest.Deposit
  getChallenge?: MailboxRequest.GetChallenge
  authenticate?: MailboxRequest.Authenticate
  fetch?: MailboxRequest.Fetch
  ack?: MailboxRequest.AckDelete
  subscribe?: MailboxRequest.Subscribe
  uploadPrekeys?: MailboxRequest.UploadPrekeys
  takePrekey?: MailboxRequest.TakePrekey
}

export namespace MailboxRequest {
  export interface Deposit {
    envelope: Uint8Array
  }

  export namespace Deposit {
    let _codec: Codec<Deposit>

    export const codec = (): Codec<Deposit> => {
      if (_codec == null) {
        _codec = message<Deposit>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.envelope)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            envelope: uint8ArrayAlloc(0)
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.envelope = reader.bytes()
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

    export interface DepositEnvelopeFieldEvent {
      field: '$.envelope'
      value: Uint8Array
    }

    export function encode (obj: Partial<Deposit>): Uint8Array {
      return encodeMessage(obj, Deposit.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposit>): Deposit {
      return decodeMessage(buf, Deposit.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposit>): Generator<DepositEnvelopeFieldEvent> {
      return streamMessage(buf, Deposit.codec(), opts)
    }
  }

  export interface GetChallenge {}

  export namespace GetChallenge {
    let _codec: Codec<GetChallenge>

    export const codec = (): Codec<GetChallenge> => {
      if (_codec == null) {
        _codec = message<GetChallenge>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {}

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
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

    export function encode (obj: Partial<GetChallenge>): Uint8Array {
      return encodeMessage(obj, GetChallenge.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GetChallenge>): GetChallenge {
      return decodeMessage(buf, GetChallenge.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GetChallenge>): Generator<{}> {
      return streamMessage(buf, GetChallenge.codec(), opts)
    }
  }

  export interface Authenticate {
    deviceKey: Uint8Array
    nonce: Uint8Array
    timestamp: bigint
    signature: Uint8Array
    accountRecord: Uint8Array
  }

  export namespace Authenticate {
    let _codec: Codec<Authenticate>

    export const codec = (): Codec<Authenticate> => {
      if (_codec == null) {
        _codec = message<Authenticate>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.deviceKey != null && obj.deviceKey.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.deviceKey)
          }

          if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.nonce)
          }

          if ((obj.timestamp != null && obj.timestamp !== 0n)) {
            w.uint32(24)
            w.uint64(obj.timestamp)
          }

          if ((obj.signature != null && obj.signature.byteLength > 0)) {
            w.uint32(34)
            w.bytes(obj.signature)
          }

          if ((obj.accountRecord != null && obj.accountRecord.byteLength > 0)) {
            w.uint32(42)
            w.bytes(obj.accountRecord)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            deviceKey: uint8ArrayAlloc(0),
            nonce: uint8ArrayAlloc(0),
            timestamp: 0n,
            signature: uint8ArrayAlloc(0),
            accountRecord: uint8ArrayAlloc(0)
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.deviceKey = reader.bytes()
                break
              }
              case 2: {
                obj.nonce = reader.bytes()
                break
              }
              case 3: {
                obj.timestamp = reader.uint64()
                break
              }
              case 4: {
                obj.signature = reader.bytes()
                break
              }
              case 5: {
                obj.accountRecord = reader.bytes()
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

    export interface AuthenticateDeviceKeyFieldEvent {
      field: '$.deviceKey'
      value: Uint8Array
    }

    export interface AuthenticateNonceFieldEvent {
      field: '$.nonce'
      value: Uint8Array
    }

    export interface AuthenticateTimestampFieldEvent {
      field: '$.timestamp'
      value: bigint
    }

    export interface AuthenticateSignatureFieldEvent {
      field: '$.signature'
      value: Uint8Array
    }

    export interface AuthenticateAccountRecordFieldEvent {
      field: '$.accountRecord'
      value: Uint8Array
    }

    export function encode (obj: Partial<Authenticate>): Uint8Array {
      return encodeMessage(obj, Authenticate.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Authenticate>): Authenticate {
      return decodeMessage(buf, Authenticate.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Authenticate>): Generator<AuthenticateDeviceKeyFieldEvent | AuthenticateNonceFieldEvent | AuthenticateTimestampFieldEvent | AuthenticateSignatureFieldEvent | AuthenticateAccountRecordFieldEvent> {
      return streamMessage(buf, Authenticate.codec(), opts)
    }
  }

  export interface Fetch {
    limit: number
    cursor: Uint8Array
  }

  export namespace Fetch {
    let _codec: Codec<Fetch>

    export const codec = (): Codec<Fetch> => {
      if (_codec == null) {
        _codec = message<Fetch>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.limit != null && obj.limit !== 0)) {
            w.uint32(8)
            w.uint32(obj.limit)
          }

          if ((obj.cursor != null && obj.cursor.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.cursor)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            limit: 0,
            cursor: uint8ArrayAlloc(0)
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.limit = reader.uint32()
                break
              }
              case 2: {
                obj.cursor = reader.bytes()
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

    export interface FetchLimitFieldEvent {
      field: '$.limit'
      value: number
    }

    export interface FetchCursorFieldEvent {
      field: '$.cursor'
      value: Uint8Array
    }

    export function encode (obj: Partial<Fetch>): Uint8Array {
      return encodeMessage(obj, Fetch.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Fetch>): Fetch {
      return decodeMessage(buf, Fetch.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Fetch>): Generator<FetchLimitFieldEvent | FetchCursorFieldEvent> {
      return streamMessage(buf, Fetch.codec(), opts)
    }
  }

  export interface AckDelete {
    ids: Uint8Array[]
  }

  export namespace AckDelete {
    let _codec: Codec<AckDelete>

    export const codec = (): Codec<AckDelete> => {
      if (_codec == null) {
        _codec = message<AckDelete>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.ids != null && obj.ids.length > 0) {
            for (const value of obj.ids) {
              w.uint32(10)
              w.bytes(value)
            }
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            ids: []
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                  throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
                }

                if (obj.ids.length === 256) {
                  throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
                }

                obj.ids.push(reader.bytes())
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

    export interface AckDeleteIdsFieldEvent {
      field: '$.ids[]'
      index: number
      value: Uint8Array
    }

    export function encode (obj: Partial<AckDelete>): Uint8Array {
      return encodeMessage(obj, AckDelete.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AckDelete>): AckDelete {
      return decodeMessage(buf, AckDelete.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AckDelete>): Generator<AckDeleteIdsFieldEvent> {
      return streamMessage(buf, AckDelete.codec(), opts)
    }
  }

  export interface Subscribe {}

  export namespace Subscribe {
    let _codec: Codec<Subscribe>

    export const codec = (): Codec<Subscribe> => {
      if (_codec == null) {
        _codec = message<Subscribe>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {}

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
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

    export function encode (obj: Partial<Subscribe>): Uint8Array {
      return encodeMessage(obj, Subscribe.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Subscribe>): Subscribe {
      return decodeMessage(buf, Subscribe.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Subscribe>): Generator<{}> {
      return streamMessage(buf, Subscribe.codec(), opts)
    }
  }

  export interface UploadPrekeys {
    oneTime: MailboxPrekey[]
    lastResort: MailboxPrekey[]
    replace: boolean
  }

  export namespace UploadPrekeys {
    let _codec: Codec<UploadPrekeys>

    export const codec = (): Codec<UploadPrekeys> => {
      if (_codec == null) {
        _codec = message<UploadPrekeys>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.oneTime != null && obj.oneTime.length > 0) {
            for (const value of obj.oneTime) {
              w.uint32(10)
              MailboxPrekey.codec().encode(value, w)
            }
          }

          if (obj.lastResort != null && obj.lastResort.length > 0) {
            for (const value of obj.lastResort) {
              w.uint32(18)
              MailboxPrekey.codec().encode(value, w)
            }
          }

          if ((obj.replace != null && obj.replace !== false)) {
            w.uint32(24)
            w.bool(obj.replace)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            oneTime: [],
            lastResort: [],
            replace: false
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.oneTime != null && obj.oneTime.length === opts.limits.oneTime) {
                  throw new MaxLengthError('Decode error - repeated field "oneTime" had too many elements')
                }

                if (obj.oneTime.length === 256) {
                  throw new MaxLengthError('Decode error - repeated field "oneTime" had too many elements')
                }

                obj.oneTime.push(MailboxPrekey.codec().decode(reader, reader.uint32(), {
                  limits: opts.limits?.oneTime$
                }))
                break
              }
              case 2: {
                if (opts.limits?.lastResort != null && obj.lastResort.length === opts.limits.lastResort) {
                  throw new MaxLengthError('Decode error - repeated field "lastResort" had too many elements')
                }

                if (obj.lastResort.length === 4) {
                  throw new MaxLengthError('Decode error - repeated field "lastResort" had too many elements')
                }

                obj.lastResort.push(MailboxPrekey.codec().decode(reader, reader.uint32(), {
                  limits: opts.limits?.lastResort$
                }))
                break
              }
              case 3: {
                obj.replace = reader.bool()
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

    export interface UploadPrekeysOneTimeIdFieldEvent {
      field: '$.oneTime[].id'
      value: number
      index: number
    }

    export interface UploadPrekeysOneTimeKindFieldEvent {
      field: '$.oneTime[].kind'
      value: MailboxPrekey.Kind
      index: number
    }

    export interface UploadPrekeysOneTimeBlobFieldEvent {
      field: '$.oneTime[].blob'
      value: Uint8Array
      index: number
    }

    export interface UploadPrekeysLastResortIdFieldEvent {
      field: '$.lastResort[].id'
      value: number
      index: number
    }

    export interface UploadPrekeysLastResortKindFieldEvent {
      field: '$.lastResort[].kind'
      value: MailboxPrekey.Kind
      index: number
    }

    export interface UploadPrekeysLastResortBlobFieldEvent {
      field: '$.lastResort[].blob'
      value: Uint8Array
      index: number
    }

    export interface UploadPrekeysReplaceFieldEvent {
      field: '$.replace'
      value: boolean
    }

    export function encode (obj: Partial<UploadPrekeys>): Uint8Array {
      return encodeMessage(obj, UploadPrekeys.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UploadPrekeys>): UploadPrekeys {
      return decodeMessage(buf, UploadPrekeys.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UploadPrekeys>): Generator<UploadPrekeysOneTimeIdFieldEvent | UploadPrekeysOneTimeKindFieldEvent | UploadPrekeysOneTimeBlobFieldEvent | UploadPrekeysLastResortIdFieldEvent | UploadPrekeysLastResortKindFieldEvent | UploadPrekeysLastResortBlobFieldEvent | UploadPrekeysReplaceFieldEvent> {
      return streamMessage(buf, UploadPrekeys.codec(), opts)
    }
  }

  export interface TakePrekey {
    deviceKey: Uint8Array
  }

  export namespace TakePrekey {
    let _codec: Codec<TakePrekey>

    export const codec = (): Codec<TakePrekey> => {
      if (_codec == null) {
        _codec = message<TakePrekey>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.deviceKey != null && obj.deviceKey.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.deviceKey)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            deviceKey: uint8ArrayAlloc(0)
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.deviceKey = reader.bytes()
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

    export interface TakePrekeyDeviceKeyFieldEvent {
      field: '$.deviceKey'
      value: Uint8Array
    }

    export function encode (obj: Partial<TakePrekey>): Uint8Array {
      return encodeMessage(obj, TakePrekey.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TakePrekey>): TakePrekey {
      return decodeMessage(buf, TakePrekey.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TakePrekey>): Generator<TakePrekeyDeviceKeyFieldEvent> {
      return streamMessage(buf, TakePrekey.codec(), opts)
    }
  }

  let _codec: Codec<MailboxRequest>

  export const codec = (): Codec<MailboxRequest> => {
    if (_codec == null) {
      _codec = message<MailboxRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.requestId != null && obj.requestId !== 0n)) {
          w.uint32(8)
          w.uint64(obj.requestId)
        }

        if (obj.deposit != null) {
          w.uint32(18)
          MailboxRequest.Deposit.codec().encode(obj.deposit, w)
        }

        if (obj.getChallenge != null) {
          w.uint32(26)
          MailboxRequest.GetChallenge.codec().encode(obj.getChallenge, w)
        }

        if (obj.authenticate != null) {
          w.uint32(34)
          MailboxRequest.Authenticate.codec().encode(obj.authenticate, w)
        }

        if (obj.fetch != null) {
          w.uint32(42)
          MailboxRequest.Fetch.codec().encode(obj.fetch, w)
        }

        if (obj.ack != null) {
          w.uint32(50)
          MailboxRequest.AckDelete.codec().encode(obj.ack, w)
        }

        if (obj.subscribe != null) {
          w.uint32(58)
          MailboxRequest.Subscribe.codec().encode(obj.subscribe, w)
        }

        if (obj.uploadPrekeys != null) {
          w.uint32(66)
          MailboxRequest.UploadPrekeys.codec().encode(obj.uploadPrekeys, w)
        }

        if (obj.takePrekey != null) {
          w.uint32(74)
          MailboxRequest.TakePrekey.codec().encode(obj.takePrekey, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          requestId: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.requestId = reader.uint64()
              break
            }
            case 2: {
              obj.deposit = MailboxRequest.Deposit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deposit
              })
              break
            }
            case 3: {
              obj.getChallenge = MailboxRequest.GetChallenge.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.getChallenge
              })
              break
            }
            case 4: {
              obj.authenticate = MailboxRequest.Authenticate.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.authenticate
              })
              break
            }
            case 5: {
              obj.fetch = MailboxRequest.Fetch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetch
              })
              break
            }
            case 6: {
              obj.ack = MailboxRequest.AckDelete.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ack
              })
              break
            }
            case 7: {
              obj.subscribe = MailboxRequest.Subscribe.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.subscribe
              })
              break
            }
            case 8: {
              obj.uploadPrekeys = MailboxRequest.UploadPrekeys.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.uploadPrekeys
              })
              break
            }
            case 9: {
              obj.takePrekey = MailboxRequest.TakePrekey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.takePrekey
              })
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

  export interface MailboxRequestRequestIdFieldEvent {
    field: '$.requestId'
    value: bigint
  }

  export interface MailboxRequestDepositEnvelopeFieldEvent {
    field: '$.deposit.envelope'
    value: Uint8Array
  }

  export interface MailboxRequestAuthenticateDeviceKeyFieldEvent {
    field: '$.authenticate.deviceKey'
    value: Uint8Array
  }

  export interface MailboxRequestAuthenticateNonceFieldEvent {
    field: '$.authenticate.nonce'
    value: Uint8Array
  }

  export interface MailboxRequestAuthenticateTimestampFieldEvent {
    field: '$.authenticate.timestamp'
    value: bigint
  }

  export interface MailboxRequestAuthenticateSignatureFieldEvent {
    field: '$.authenticate.signature'
    value: Uint8Array
  }

  export interface MailboxRequestAuthenticateAccountRecordFieldEvent {
    field: '$.authenticate.accountRecord'
    value: Uint8Array
  }

  export interface MailboxRequestFetchLimitFieldEvent {
    field: '$.fetch.limit'
    value: number
  }

  export interface MailboxRequestFetchCursorFieldEvent {
    field: '$.fetch.cursor'
    value: Uint8Array
  }

  export interface MailboxRequestAckIdsFieldEvent {
    field: '$.ack.ids[]'
    index: number
    value: Uint8Array
  }

  export interface MailboxRequestUploadPrekeysOneTimeIdFieldEvent {
    field: '$.uploadPrekeys.oneTime[].id'
    value: number
    index: number
  }

  export interface MailboxRequestUploadPrekeysOneTimeKindFieldEvent {
    field: '$.uploadPrekeys.oneTime[].kind'
    value: MailboxPrekey.Kind
    index: number
  }

  export interface MailboxRequestUploadPrekeysOneTimeBlobFieldEvent {
    field: '$.uploadPrekeys.oneTime[].blob'
    value: Uint8Array
    index: number
  }

  export interface MailboxRequestUploadPrekeysLastResortIdFieldEvent {
    field: '$.uploadPrekeys.lastResort[].id'
    value: number
    index: number
  }

  export interface MailboxRequestUploadPrekeysLastResortKindFieldEvent {
    field: '$.uploadPrekeys.lastResort[].kind'
    value: MailboxPrekey.Kind
    index: number
  }

  export interface MailboxRequestUploadPrekeysLastResortBlobFieldEvent {
    field: '$.uploadPrekeys.lastResort[].blob'
    value: Uint8Array
    index: number
  }

  export interface MailboxRequestUploadPrekeysReplaceFieldEvent {
    field: '$.uploadPrekeys.replace'
    value: boolean
  }

  export interface MailboxRequestTakePrekeyDeviceKeyFieldEvent {
    field: '$.takePrekey.deviceKey'
    value: Uint8Array
  }

  export function encode (obj: Partial<MailboxRequest>): Uint8Array {
    return encodeMessage(obj, MailboxRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxRequest>): MailboxRequest {
    return decodeMessage(buf, MailboxRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxRequest>): Generator<MailboxRequestRequestIdFieldEvent | MailboxRequestDepositEnvelopeFieldEvent | MailboxRequestAuthenticateDeviceKeyFieldEvent | MailboxRequestAuthenticateNonceFieldEvent | MailboxRequestAuthenticateTimestampFieldEvent | MailboxRequestAuthenticateSignatureFieldEvent | MailboxRequestAuthenticateAccountRecordFieldEvent | MailboxRequestFetchLimitFieldEvent | MailboxRequestFetchCursorFieldEvent | MailboxRequestAckIdsFieldEvent | MailboxRequestUploadPrekeysOneTimeIdFieldEvent | MailboxRequestUploadPrekeysOneTimeKindFieldEvent | MailboxRequestUploadPrekeysOneTimeBlobFieldEvent | MailboxRequestUploadPrekeysLastResortIdFieldEvent | MailboxRequestUploadPrekeysLastResortKindFieldEvent | MailboxRequestUploadPrekeysLastResortBlobFieldEvent | MailboxRequestUploadPrekeysReplaceFieldEvent | MailboxRequestTakePrekeyDeviceKeyFieldEvent> {
    return streamMessage(buf, MailboxRequest.codec(), opts)
  }
}

export interface MailboxResponse {
  requestId: bigint
  errorCode: string
  errorMessage: string
  deposited?: MailboxResponse.Deposited
  challenge?: MailboxResponse.Challenge
  authenticated?: MailboxResponse.Authenticated
  page?: MailboxResponse.Page
  acked?: MailboxResponse.Acked
  prekeysStored?: MailboxResponse.PrekeysStored
  prekeyBundle?: MailboxResponse.PrekeyBundle
  subscribed?: MailboxResponse.Subscribed
}

export namespace MailboxResponse {
  export interface Deposited {
    duplicate: boolean
  }

  export namespace Deposited {
    let _codec: Codec<Deposited>

    export const codec = (): Codec<Deposited> => {
      if (_codec == null) {
        _codec = message<Deposited>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.duplicate != null && obj.duplicate !== false)) {
            w.uint32(8)
            w.bool(obj.duplicate)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            duplicate: false
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.duplicate = reader.bool()
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

    export interface DepositedDuplicateFieldEvent {
      field: '$.duplicate'
      value: boolean
    }

    export function encode (obj: Partial<Deposited>): Uint8Array {
      return encodeMessage(obj, Deposited.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposited>): Deposited {
      return decodeMessage(buf, Deposited.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposited>): Generator<DepositedDuplicateFieldEvent> {
      return streamMessage(buf, Deposited.codec(), opts)
    }
  }

  export interface Challenge {
    nonce: Uint8Array
    relayPeerId: Uint8Array
    timestamp: bigint
  }

  export namespace Challenge {
    let _codec: Codec<Challenge>

    export const codec = (): Codec<Challenge> => {
      if (_codec == null) {
        _codec = message<Challenge>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.nonce)
          }

          if ((obj.relayPeerId != null && obj.relayPeerId.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.relayPeerId)
          }

          if ((obj.timestamp != null && obj.timestamp !== 0n)) {
            w.uint32(24)
            w.uint64(obj.timestamp)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            nonce: uint8ArrayAlloc(0),
            relayPeerId: uint8ArrayAlloc(0),
            timestamp: 0n
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.nonce = reader.bytes()
                break
              }
              case 2: {
                obj.relayPeerId = reader.bytes()
                break
              }
              case 3: {
                obj.timestamp = reader.uint64()
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

    export interface ChallengeNonceFieldEvent {
      field: '$.nonce'
      value: Uint8Array
    }

    export interface ChallengeRelayPeerIdFieldEvent {
      field: '$.relayPeerId'
      value: Uint8Array
    }

    export interface ChallengeTimestampFieldEvent {
      field: '$.timestamp'
      value: bigint
    }

    export function encode (obj: Partial<Challenge>): Uint8Array {
      return encodeMessage(obj, Challenge.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Challenge>): Challenge {
      return decodeMessage(buf, Challenge.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Challenge>): Generator<ChallengeNonceFieldEvent | ChallengeRelayPeerIdFieldEvent | ChallengeTimestampFieldEvent> {
      return streamMessage(buf, Challenge.codec(), opts)
    }
  }

  export interface Authenticated {
    storedEnvelopes: number
    oneTimePrekeys: number
  }

  export namespace Authenticated {
    let _codec: Codec<Authenticated>

    export const codec = (): Codec<Authenticated> => {
      if (_codec == null) {
        _codec = message<Authenticated>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.storedEnvelopes != null && obj.storedEnvelopes !== 0)) {
            w.uint32(8)
            w.uint32(obj.storedEnvelopes)
          }

          if ((obj.oneTimePrekeys != null && obj.oneTimePrekeys !== 0)) {
            w.uint32(16)
            w.uint32(obj.oneTimePrekeys)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            storedEnvelopes: 0,
            oneTimePrekeys: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.storedEnvelopes = reader.uint32()
                break
              }
              case 2: {
                obj.oneTimePrekeys = reader.uint32()
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

    export interface AuthenticatedStoredEnvelopesFieldEvent {
      field: '$.storedEnvelopes'
      value: number
    }

    export interface AuthenticatedOneTimePrekeysFieldEvent {
      field: '$.oneTimePrekeys'
      value: number
    }

    export function encode (obj: Partial<Authenticated>): Uint8Array {
      return encodeMessage(obj, Authenticated.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Authenticated>): Authenticated {
      return decodeMessage(buf, Authenticated.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Authenticated>): Generator<AuthenticatedStoredEnvelopesFieldEvent | AuthenticatedOneTimePrekeysFieldEvent> {
      return streamMessage(buf, Authenticated.codec(), opts)
    }
  }

  export interface Page {
    envelopes: Uint8Array[]
    cursor: Uint8Array
    more: boolean
  }

  export namespace Page {
    let _codec: Codec<Page>

    export const codec = (): Codec<Page> => {
      if (_codec == null) {
        _codec = message<Page>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.envelopes != null && obj.envelopes.length > 0) {
            for (const value of obj.envelopes) {
              w.uint32(10)
              w.bytes(value)
            }
          }

          if ((obj.cursor != null && obj.cursor.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.cursor)
          }

          if ((obj.more != null && obj.more !== false)) {
            w.uint32(24)
            w.bool(obj.more)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            envelopes: [],
            cursor: uint8ArrayAlloc(0),
            more: false
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.envelopes != null && obj.envelopes.length === opts.limits.envelopes) {
                  throw new MaxLengthError('Decode error - repeated field "envelopes" had too many elements')
                }

                if (obj.envelopes.length === 1000) {
                  throw new MaxLengthError('Decode error - repeated field "envelopes" had too many elements')
                }

                obj.envelopes.push(reader.bytes())
                break
              }
              case 2: {
                obj.cursor = reader.bytes()
                break
              }
              case 3: {
                obj.more = reader.bool()
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

    export interface PageEnvelopesFieldEvent {
      field: '$.envelopes[]'
      index: number
      value: Uint8Array
    }

    export interface PageCursorFieldEvent {
      field: '$.cursor'
      value: Uint8Array
    }

    export interface PageMoreFieldEvent {
      field: '$.more'
      value: boolean
    }

    export function encode (obj: Partial<Page>): Uint8Array {
      return encodeMessage(obj, Page.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Page>): Page {
      return decodeMessage(buf, Page.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Page>): Generator<PageEnvelopesFieldEvent | PageCursorFieldEvent | PageMoreFieldEvent> {
      return streamMessage(buf, Page.codec(), opts)
    }
  }

  export interface Acked {
    deleted: number
  }

  export namespace Acked {
    let _codec: Codec<Acked>

    export const codec = (): Codec<Acked> => {
      if (_codec == null) {
        _codec = message<Acked>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.deleted != null && obj.deleted !== 0)) {
            w.uint32(8)
            w.uint32(obj.deleted)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            deleted: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.deleted = reader.uint32()
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

    export interface AckedDeletedFieldEvent {
      field: '$.deleted'
      value: number
    }

    export function encode (obj: Partial<Acked>): Uint8Array {
      return encodeMessage(obj, Acked.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Acked>): Acked {
      return decodeMessage(buf, Acked.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Acked>): Generator<AckedDeletedFieldEvent> {
      return streamMessage(buf, Acked.codec(), opts)
    }
  }

  export interface PrekeysStored {
    oneTimePrekeys: number
  }

  export namespace PrekeysStored {
    let _codec: Codec<PrekeysStored>

    export const codec = (): Codec<PrekeysStored> => {
      if (_codec == null) {
        _codec = message<PrekeysStored>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.oneTimePrekeys != null && obj.oneTimePrekeys !== 0)) {
            w.uint32(8)
            w.uint32(obj.oneTimePrekeys)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            oneTimePrekeys: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.oneTimePrekeys = reader.uint32()
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

    export interface PrekeysStoredOneTimePrekeysFieldEvent {
      field: '$.oneTimePrekeys'
      value: number
    }

    export function encode (obj: Partial<PrekeysStored>): Uint8Array {
      return encodeMessage(obj, PrekeysStored.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeysStored>): PrekeysStored {
      return decodeMessage(buf, PrekeysStored.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeysStored>): Generator<PrekeysStoredOneTimePrekeysFieldEvent> {
      return streamMessage(buf, PrekeysStored.codec(), opts)
    }
  }

  export interface Subscribed {}

  export namespace Subscribed {
    let _codec: Codec<Subscribed>

    export const codec = (): Codec<Subscribed> => {
      if (_codec == null) {
        _codec = message<Subscribed>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {}

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
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

    export function encode (obj: Partial<Subscribed>): Uint8Array {
      return encodeMessage(obj, Subscribed.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Subscribed>): Subscribed {
      return decodeMessage(buf, Subscribed.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Subscribed>): Generator<{}> {
      return streamMessage(buf, Subscribed.codec(), opts)
    }
  }

  export interface PrekeyBundle {
    prekeys: MailboxPrekey[]
    lastResort: boolean[]
  }

  export namespace PrekeyBundle {
    let _codec: Codec<PrekeyBundle>

    export const codec = (): Codec<PrekeyBundle> => {
      if (_codec == null) {
        _codec = message<PrekeyBundle>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.prekeys != null && obj.prekeys.length > 0) {
            for (const value of obj.prekeys) {
              w.uint32(10)
              MailboxPrekey.codec().encode(value, w)
            }
          }

          if (obj.lastResort != null && obj.lastResort.length > 0) {
            for (const value of obj.lastResort) {
              w.uint32(16)
              w.bool(value)
            }
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            prekeys: [],
            lastResort: []
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.prekeys != null && obj.prekeys.length === opts.limits.prekeys) {
                  throw new MaxLengthError('Decode error - repeated field "prekeys" had too many elements')
                }

                if (obj.prekeys.length === 8) {
                  throw new MaxLengthError('Decode error - repeated field "prekeys" had too many elements')
                }

                obj.prekeys.push(MailboxPrekey.codec().decode(reader, reader.uint32(), {
                  limits: opts.limits?.prekeys$
                }))
                break
              }
              case 2: {
                if (opts.limits?.lastResort != null && obj.lastResort.length === opts.limits.lastResort) {
                  throw new MaxLengthError('Decode error - repeated field "lastResort" had too many elements')
                }

                if (obj.lastResort.length === 8) {
                  throw new MaxLengthError('Decode error - repeated field "lastResort" had too many elements')
                }

                obj.lastResort.push(reader.bool())
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

    export interface PrekeyBundlePrekeysIdFieldEvent {
      field: '$.prekeys[].id'
      value: number
      index: number
    }

    export interface PrekeyBundlePrekeysKindFieldEvent {
      field: '$.prekeys[].kind'
      value: MailboxPrekey.Kind
      index: number
    }

    export interface PrekeyBundlePrekeysBlobFieldEvent {
      field: '$.prekeys[].blob'
      value: Uint8Array
      index: number
    }

    export interface PrekeyBundleLastResortFieldEvent {
      field: '$.lastResort[]'
      index: number
      value: boolean
    }

    export function encode (obj: Partial<PrekeyBundle>): Uint8Array {
      return encodeMessage(obj, PrekeyBundle.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBundle>): PrekeyBundle {
      return decodeMessage(buf, PrekeyBundle.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBundle>): Generator<PrekeyBundlePrekeysIdFieldEvent | PrekeyBundlePrekeysKindFieldEvent | PrekeyBundlePrekeysBlobFieldEvent | PrekeyBundleLastResortFieldEvent> {
      return streamMessage(buf, PrekeyBundle.codec(), opts)
    }
  }

  let _codec: Codec<MailboxResponse>

  export const codec = (): Codec<MailboxResponse> => {
    if (_codec == null) {
      _codec = message<MailboxResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.requestId != null && obj.requestId !== 0n)) {
          w.uint32(8)
          w.uint64(obj.requestId)
        }

        if ((obj.errorCode != null && obj.errorCode !== '')) {
          w.uint32(18)
          w.string(obj.errorCode)
        }

        if ((obj.errorMessage != null && obj.errorMessage !== '')) {
          w.uint32(26)
          w.string(obj.errorMessage)
        }

        if (obj.deposited != null) {
          w.uint32(34)
          MailboxResponse.Deposited.codec().encode(obj.deposited, w)
        }

        if (obj.challenge != null) {
          w.uint32(42)
          MailboxResponse.Challenge.codec().encode(obj.challenge, w)
        }

        if (obj.authenticated != null) {
          w.uint32(50)
          MailboxResponse.Authenticated.codec().encode(obj.authenticated, w)
        }

        if (obj.page != null) {
          w.uint32(58)
          MailboxResponse.Page.codec().encode(obj.page, w)
        }

        if (obj.acked != null) {
          w.uint32(66)
          MailboxResponse.Acked.codec().encode(obj.acked, w)
        }

        if (obj.prekeysStored != null) {
          w.uint32(74)
          MailboxResponse.PrekeysStored.codec().encode(obj.prekeysStored, w)
        }

        if (obj.prekeyBundle != null) {
          w.uint32(82)
          MailboxResponse.PrekeyBundle.codec().encode(obj.prekeyBundle, w)
        }

        if (obj.subscribed != null) {
          w.uint32(90)
          MailboxResponse.Subscribed.codec().encode(obj.subscribed, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          requestId: 0n,
          errorCode: '',
          errorMessage: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.requestId = reader.uint64()
              break
            }
            case 2: {
              obj.errorCode = reader.string()
              break
            }
            case 3: {
              obj.errorMessage = reader.string()
              break
            }
            case 4: {
              obj.deposited = MailboxResponse.Deposited.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deposited
              })
              break
            }
            case 5: {
              obj.challenge = MailboxResponse.Challenge.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.challenge
              })
              break
            }
            case 6: {
              obj.authenticated = MailboxResponse.Authenticated.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.authenticated
              })
              break
            }
            case 7: {
              obj.page = MailboxResponse.Page.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.page
              })
              break
            }
            case 8: {
              obj.acked = MailboxResponse.Acked.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.acked
              })
              break
            }
            case 9: {
              obj.prekeysStored = MailboxResponse.PrekeysStored.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.prekeysStored
              })
              break
            }
            case 10: {
              obj.prekeyBundle = MailboxResponse.PrekeyBundle.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.prekeyBundle
              })
              break
            }
            case 11: {
              obj.subscribed = MailboxResponse.Subscribed.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.subscribed
              })
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

  export interface MailboxResponseRequestIdFieldEvent {
    field: '$.requestId'
    value: bigint
  }

  export interface MailboxResponseErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface MailboxResponseErrorMessageFieldEvent {
    field: '$.errorMessage'
    value: string
  }

  export interface MailboxResponseDepositedDuplicateFieldEvent {
    field: '$.deposited.duplicate'
    value: boolean
  }

  export interface MailboxResponseChallengeNonceFieldEvent {
    field: '$.challenge.nonce'
    value: Uint8Array
  }

  export interface MailboxResponseChallengeRelayPeerIdFieldEvent {
    field: '$.challenge.relayPeerId'
    value: Uint8Array
  }

  export interface MailboxResponseChallengeTimestampFieldEvent {
    field: '$.challenge.timestamp'
    value: bigint
  }

  export interface MailboxResponseAuthenticatedStoredEnvelopesFieldEvent {
    field: '$.authenticated.storedEnvelopes'
    value: number
  }

  export interface MailboxResponseAuthenticatedOneTimePrekeysFieldEvent {
    field: '$.authenticated.oneTimePrekeys'
    value: number
  }

  export interface MailboxResponsePageEnvelopesFieldEvent {
    field: '$.page.envelopes[]'
    index: number
    value: Uint8Array
  }

  export interface MailboxResponsePageCursorFieldEvent {
    field: '$.page.cursor'
    value: Uint8Array
  }

  export interface MailboxResponsePageMoreFieldEvent {
    field: '$.page.more'
    value: boolean
  }

  export interface MailboxResponseAckedDeletedFieldEvent {
    field: '$.acked.deleted'
    value: number
  }

  export interface MailboxResponsePrekeysStoredOneTimePrekeysFieldEvent {
    field: '$.prekeysStored.oneTimePrekeys'
    value: number
  }

  export interface MailboxResponsePrekeyBundlePrekeysIdFieldEvent {
    field: '$.prekeyBundle.prekeys[].id'
    value: number
    index: number
  }

  export interface MailboxResponsePrekeyBundlePrekeysKindFieldEvent {
    field: '$.prekeyBundle.prekeys[].kind'
    value: MailboxPrekey.Kind
    index: number
  }

  export interface MailboxResponsePrekeyBundlePrekeysBlobFieldEvent {
    field: '$.prekeyBundle.prekeys[].blob'
    value: Uint8Array
    index: number
  }

  export interface MailboxResponsePrekeyBundleLastResortFieldEvent {
    field: '$.prekeyBundle.lastResort[]'
    index: number
    value: boolean
  }

  export function encode (obj: Partial<MailboxResponse>): Uint8Array {
    return encodeMessage(obj, MailboxResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxResponse>): MailboxResponse {
    return decodeMessage(buf, MailboxResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxResponse>): Generator<MailboxResponseRequestIdFieldEvent | MailboxResponseErrorCodeFieldEvent | MailboxResponseErrorMessageFieldEvent | MailboxResponseDepositedDuplicateFieldEvent | MailboxResponseChallengeNonceFieldEvent | MailboxResponseChallengeRelayPeerIdFieldEvent | MailboxResponseChallengeTimestampFieldEvent | MailboxResponseAuthenticatedStoredEnvelopesFieldEvent | MailboxResponseAuthenticatedOneTimePrekeysFieldEvent | MailboxResponsePageEnvelopesFieldEvent | MailboxResponsePageCursorFieldEvent | MailboxResponsePageMoreFieldEvent | MailboxResponseAckedDeletedFieldEvent | MailboxResponsePrekeysStoredOneTimePrekeysFieldEvent | MailboxResponsePrekeyBundlePrekeysIdFieldEvent | MailboxResponsePrekeyBundlePrekeysKindFieldEvent | MailboxResponsePrekeyBundlePrekeysBlobFieldEvent | MailboxResponsePrekeyBundleLastResortFieldEvent> {
    return streamMessage(buf, MailboxResponse.codec(), opts)
  }
}

export interface StoredEnvelope {
  envelope: Uint8Array
  storedAt: bigint
  expiresAt: bigint
  secret: boolean
  depositor: bigint
}

export namespace StoredEnvelope {
  let _codec: Codec<StoredEnvelope>

  export const codec = (): Codec<StoredEnvelope> => {
    if (_codec == null) {
      _codec = message<StoredEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.envelope)
        }

        if ((obj.storedAt != null && obj.storedAt !== 0n)) {
          w.uint32(16)
          w.uint64(obj.storedAt)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.expiresAt)
        }

        if ((obj.secret != null && obj.secret !== false)) {
          w.uint32(32)
          w.bool(obj.secret)
        }

        if ((obj.depositor != null && obj.depositor !== 0n)) {
          w.uint32(40)
          w.uint64(obj.depositor)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          envelope: uint8ArrayAlloc(0),
          storedAt: 0n,
          expiresAt: 0n,
          secret: false,
          depositor: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.envelope = reader.bytes()
              break
            }
            case 2: {
              obj.storedAt = reader.uint64()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 4: {
              obj.secret = reader.bool()
              break
            }
            case 5: {
              obj.depositor = reader.uint64()
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

  export interface StoredEnvelopeEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array
  }

  export interface StoredEnvelopeStoredAtFieldEvent {
    field: '$.storedAt'
    value: bigint
  }

  export interface StoredEnvelopeExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface StoredEnvelopeSecretFieldEvent {
    field: '$.secret'
    value: boolean
  }

  export interface StoredEnvelopeDepositorFieldEvent {
    field: '$.depositor'
    value: bigint
  }

  export function encode (obj: Partial<StoredEnvelope>): Uint8Array {
    return encodeMessage(obj, StoredEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredEnvelope>): StoredEnvelope {
    return decodeMessage(buf, StoredEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredEnvelope>): Generator<StoredEnvelopeEnvelopeFieldEvent | StoredEnvelopeStoredAtFieldEvent | StoredEnvelopeExpiresAtFieldEvent | StoredEnvelopeSecretFieldEvent | StoredEnvelopeDepositorFieldEvent> {
    return streamMessage(buf, StoredEnvelope.codec(), opts)
  }
}

export interface MailboxOwner {
  accountKey: Uint8Array
  inactivityDays: number
  lastAuthAt: bigint
  recordSequence: bigint
}

export namespace MailboxOwner {
  let _codec: Codec<MailboxOwner>

  export const codec = (): Codec<MailboxOwner> => {
    if (_codec == null) {
      _codec = message<MailboxOwner>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.accountKey != null && obj.accountKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.accountKey)
        }

        if ((obj.inactivityDays != null && obj.inactivityDays !== 0)) {
          w.uint32(16)
          w.uint32(obj.inactivityDays)
        }

        if ((obj.lastAuthAt != null && obj.lastAuthAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.lastAuthAt)
        }

        if ((obj.recordSequence != null && obj.recordSequence !== 0n)) {
          w.uint32(32)
          w.uint64(obj.recordSequence)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          accountKey: uint8ArrayAlloc(0),
          inactivityDays: 0,
          lastAuthAt: 0n,
          recordSequence: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.accountKey = reader.bytes()
              break
            }
            case 2: {
              obj.inactivityDays = reader.uint32()
              break
            }
            case 3: {
              obj.lastAuthAt = reader.uint64()
              break
            }
            case 4: {
              obj.recordSequence = reader.uint64()
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

  export interface MailboxOwnerAccountKeyFieldEvent {
    field: '$.accountKey'
    value: Uint8Array
  }

  export interface MailboxOwnerInactivityDaysFieldEvent {
    field: '$.inactivityDays'
    value: number
  }

  export interface MailboxOwnerLastAuthAtFieldEvent {
    field: '$.lastAuthAt'
    value: bigint
  }

  export interface MailboxOwnerRecordSequenceFieldEvent {
    field: '$.recordSequence'
    value: bigint
  }

  export function encode (obj: Partial<MailboxOwner>): Uint8Array {
    return encodeMessage(obj, MailboxOwner.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxOwner>): MailboxOwner {
    return decodeMessage(buf, MailboxOwner.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxOwner>): Generator<MailboxOwnerAccountKeyFieldEvent | MailboxOwnerInactivityDaysFieldEvent | MailboxOwnerLastAuthAtFieldEvent | MailboxOwnerRecordSequenceFieldEvent> {
    return streamMessage(buf, MailboxOwner.codec(), opts)
  }
}
