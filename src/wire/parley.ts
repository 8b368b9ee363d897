import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SignedPrekey {
  id: number
  publicKey: Uint8Array
  signature: Uint8Array
  createdAt: bigint
}

export namespace SignedPrekey {
  let _codec: Codec<SignedPrekey>

  export const codec = (): Codec<SignedPrekey> => {
    if (_codec == null) {
      _codec = message<SignedPrekey>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.publicKey)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.createdAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          publicKey: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          createdAt: 0n
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
              obj.publicKey = reader.bytes()
              break
            }
            case 3: {
              obj.signature = reader.bytes()
              break
            }
            case 4: {
              obj.createdAt = reader.uint64()
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

  export interface SignedPrekeyIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface SignedPrekeyPublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array
  }

  export interface SignedPrekeySignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export interface SignedPrekeyCreatedAtFieldEvent {
    field: '$.createdAt'
    value: bigint
  }

  export function encode (obj: Partial<SignedPrekey>): Uint8Array {
    return encodeMessage(obj, SignedPrekey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPrekey>): SignedPrekey {
    return decodeMessage(buf, SignedPrekey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPrekey>): Generator<SignedPrekeyIdFieldEvent | SignedPrekeyPublicKeyFieldEvent | SignedPrekeySignatureFieldEvent | SignedPrekeyCreatedAtFieldEvent> {
    return streamMessage(buf, SignedPrekey.codec(), opts)
  }
}

export interface DeviceEntry {
  peerId: Uint8Array
  deviceKey: Uint8Array
  identityDhKey: Uint8Array
  signedPrekey?: SignedPrekey
  pqPrekey?: SignedPrekey
  addedAt: bigint
  deviceSignature: Uint8Array
  relayedOnly: boolean
}

export namespace DeviceEntry {
  let _codec: Codec<DeviceEntry>

  export const codec = (): Codec<DeviceEntry> => {
    if (_codec == null) {
      _codec = message<DeviceEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if ((obj.deviceKey != null && obj.deviceKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.deviceKey)
        }

        if ((obj.identityDhKey != null && obj.identityDhKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.identityDhKey)
        }

        if (obj.signedPrekey != null) {
          w.uint32(34)
          SignedPrekey.codec().encode(obj.signedPrekey, w)
        }

        if (obj.pqPrekey != null) {
          w.uint32(42)
          SignedPrekey.codec().encode(obj.pqPrekey, w)
        }

        if ((obj.addedAt != null && obj.addedAt !== 0n)) {
          w.uint32(48)
          w.uint64(obj.addedAt)
        }

        if ((obj.deviceSignature != null && obj.deviceSignature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.deviceSignature)
        }

        if ((obj.relayedOnly != null && obj.relayedOnly !== false)) {
          w.uint32(64)
          w.bool(obj.relayedOnly)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          deviceKey: uint8ArrayAlloc(0),
          identityDhKey: uint8ArrayAlloc(0),
          addedAt: 0n,
          deviceSignature: uint8ArrayAlloc(0),
          relayedOnly: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
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
              obj.signedPrekey = SignedPrekey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.signedPrekey
              })
              break
            }
            case 5: {
              obj.pqPrekey = SignedPrekey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.pqPrekey
              })
              break
            }
            case 6: {
              obj.addedAt = reader.uint64()
              break
            }
            case 7: {
              obj.deviceSignature = reader.bytes()
              break
            }
            case 8: {
              obj.relayedOnly = reader.bool()
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

  export interface DeviceEntryPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface DeviceEntryDeviceKeyFieldEvent {
    field: '$.deviceKey'
    value: Uint8Array
  }

  export interface DeviceEntryIdentityDhKeyFieldEvent {
    field: '$.identityDhKey'
    value: Uint8Array
  }

  export interface DeviceEntrySignedPrekeyIdFieldEvent {
    field: '$.signedPrekey.id'
    value: number
  }

  export interface DeviceEntrySignedPrekeyPublicKeyFieldEvent {
    field: '$.signedPrekey.publicKey'
    value: Uint8Array
  }

  export interface DeviceEntrySignedPrekeySignatureFieldEvent {
    field: '$.signedPrekey.signature'
    value: Uint8Array
  }

  export interface DeviceEntrySignedPrekeyCreatedAtFieldEvent {
    field: '$.signedPrekey.createdAt'
    value: bigint
  }

  export interface DeviceEntryPqPrekeyIdFieldEvent {
    field: '$.pqPrekey.id'
    value: number
  }

  export interface DeviceEntryPqPrekeyPublicKeyFieldEvent {
    field: '$.pqPrekey.publicKey'
    value: Uint8Array
  }

  export interface DeviceEntryPqPrekeySignatureFieldEvent {
    field: '$.pqPrekey.signature'
    value: Uint8Array
  }

  export interface DeviceEntryPqPrekeyCreatedAtFieldEvent {
    field: '$.pqPrekey.createdAt'
    value: bigint
  }

  export interface DeviceEntryAddedAtFieldEvent {
    field: '$.addedAt'
    value: bigint
  }

  export interface DeviceEntryDeviceSignatureFieldEvent {
    field: '$.deviceSignature'
    value: Uint8Array
  }

  export interface DeviceEntryRelayedOnlyFieldEvent {
    field: '$.relayedOnly'
    value: boolean
  }

  export function encode (obj: Partial<DeviceEntry>): Uint8Array {
    return encodeMessage(obj, DeviceEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceEntry>): DeviceEntry {
    return decodeMessage(buf, DeviceEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceEntry>): Generator<DeviceEntryPeerIdFieldEvent | DeviceEntryDeviceKeyFieldEvent | DeviceEntryIdentityDhKeyFieldEvent | DeviceEntrySignedPrekeyIdFieldEvent | DeviceEntrySignedPrekeyPublicKeyFieldEvent | DeviceEntrySignedPrekeySignatureFieldEvent | DeviceEntrySignedPrekeyCreatedAtFieldEvent | DeviceEntryPqPrekeyIdFieldEvent | DeviceEntryPqPrekeyPublicKeyFieldEvent | DeviceEntryPqPrekeySignatureFieldEvent | DeviceEntryPqPrekeyCreatedAtFieldEvent | DeviceEntryAddedAtFieldEvent | DeviceEntryDeviceSignatureFieldEvent | DeviceEntryRelayedOnlyFieldEvent> {
    return streamMessage(buf, DeviceEntry.codec(), opts)
  }
}

export interface RelayEntry {
  peerId: Uint8Array
  multiaddrs: Uint8Array[]
}

export namespace RelayEntry {
  let _codec: Codec<RelayEntry>

  export const codec = (): Codec<RelayEntry> => {
    if (_codec == null) {
      _codec = message<RelayEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if (obj.multiaddrs != null && obj.multiaddrs.length > 0) {
          for (const value of obj.multiaddrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          multiaddrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.multiaddrs != null && obj.multiaddrs.length === opts.limits.multiaddrs) {
                throw new MaxLengthError('Decode error - repeated field "multiaddrs" had too many elements')
              }

              if (obj.multiaddrs.length === 16) {
                throw new MaxLengthError('Decode error - repeated field "multiaddrs" had too many elements')
              }

              obj.multiaddrs.push(reader.bytes())
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

  export interface RelayEntryPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface RelayEntryMultiaddrsFieldEvent {
    field: '$.multiaddrs[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<RelayEntry>): Uint8Array {
    return encodeMessage(obj, RelayEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayEntry>): RelayEntry {
    return decodeMessage(buf, RelayEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayEntry>): Generator<RelayEntryPeerIdFieldEvent | RelayEntryMultiaddrsFieldEvent> {
    return streamMessage(buf, RelayEntry.codec(), opts)
  }
}

export interface AccountRecordBody {
  version: number
  accountKey: Uint8Array
  sequence: bigint
  issuedAt: bigint
  expiresAt: bigint
  inactivityDays: number
  devices: DeviceEntry[]
  relays: RelayEntry[]
  deleted: boolean
}

export namespace AccountRecordBody {
  let _codec: Codec<AccountRecordBody>

  export const codec = (): Codec<AccountRecordBody> => {
    if (_codec == null) {
      _codec = message<AccountRecordBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.accountKey != null && obj.accountKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.accountKey)
        }

        if ((obj.sequence != null && obj.sequence !== 0n)) {
          w.uint32(24)
          w.uint64(obj.sequence)
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.issuedAt)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.expiresAt)
        }

        if ((obj.inactivityDays != null && obj.inactivityDays !== 0)) {
          w.uint32(48)
          w.uint32(obj.inactivityDays)
        }

        if (obj.devices != null && obj.devices.length > 0) {
          for (const value of obj.devices) {
            w.uint32(58)
            DeviceEntry.codec().encode(value, w)
          }
        }

        if (obj.relays != null && obj.relays.length > 0) {
          for (const value of obj.relays) {
            w.uint32(66)
            RelayEntry.codec().encode(value, w)
          }
        }

        if ((obj.deleted != null && obj.deleted !== false)) {
          w.uint32(72)
          w.bool(obj.deleted)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          accountKey: uint8ArrayAlloc(0),
          sequence: 0n,
          issuedAt: 0n,
          expiresAt: 0n,
          inactivityDays: 0,
          devices: [],
          relays: [],
          deleted: false
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
              obj.accountKey = reader.bytes()
              break
            }
            case 3: {
              obj.sequence = reader.uint64()
              break
            }
            case 4: {
              obj.issuedAt = reader.uint64()
              break
            }
            case 5: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 6: {
              obj.inactivityDays = reader.uint32()
              break
            }
            case 7: {
              if (opts.limits?.devices != null && obj.devices.length === opts.limits.devices) {
                throw new MaxLengthError('Decode error - repeated field "devices" had too many elements')
              }

              if (obj.devices.length === 16) {
                throw new MaxLengthError('Decode error - repeated field "devices" had too many elements')
              }

              obj.devices.push(DeviceEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.devices$
              }))
              break
            }
            case 8: {
              if (opts.limits?.relays != null && obj.relays.length === opts.limits.relays) {
                throw new MaxLengthError('Decode error - repeated field "relays" had too many elements')
              }

              if (obj.relays.length === 8) {
                throw new MaxLengthError('Decode error - repeated field "relays" had too many elements')
              }

              obj.relays.push(RelayEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.relays$
              }))
              break
            }
            case 9: {
              obj.deleted = reader.bool()
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

  export interface AccountRecordBodyVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface AccountRecordBodyAccountKeyFieldEvent {
    field: '$.accountKey'
    value: Uint8Array
  }

  export interface AccountRecordBodySequenceFieldEvent {
    field: '$.sequence'
    value: bigint
  }

  export interface AccountRecordBodyIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: bigint
  }

  export interface AccountRecordBodyExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface AccountRecordBodyInactivityDaysFieldEvent {
    field: '$.inactivityDays'
    value: number
  }

  export interface AccountRecordBodyDevicesPeerIdFieldEvent {
    field: '$.devices[].peerId'
    value: Uint8Array
    index: number
  }

  export interface AccountRecordBodyDevicesDeviceKeyFieldEvent {
    field: '$.devices[].deviceKey'
    value: Uint8Array
    index: number
  }

  export interface AccountRecordBodyDevicesIdentityDhKeyFieldEvent {
    field: '$.devices[].identityDhKey'
    value: Uint8Array
    index: number
  }

  export interface AccountRecordBodyDevicesSignedPrekeyIdFieldEvent {
    field: '$.devices[].signedPrekey.id'
    value: number
    index: number
  }

  export interface AccountRecordBodyDevicesSignedPrekeyPublicKeyFieldEvent {
    field: '$.devices[].signedPrekey.publicKey'
    value: Uint8Array
    index: number
  }

  export interface AccountRecordBodyDevicesSignedPrekeySignatureFieldEvent {
    field: '$.devices[].signedPrekey.signature'
    value: Uint8Array
    index: number
  }

  export interface AccountRecordBodyDevicesSignedPrekeyCreatedAtFieldEvent {
    field: '$.devices[].signedPrekey.createdAt'
    value: bigint
    index: number
  }

  export interface AccountRecordBodyDevicesPqPrekeyIdFieldEvent {
    field: '$.devices[].pqPrekey.id'
    value: number
    index: number
  }

  export interface AccountRecordBodyDevicesPqPrekeyPublicKeyFieldEvent {
    field: '$.devices[].pqPrekey.publicKey'
    value: Uint8Array
    index: number
  }

  export interface AccountRecordBodyDevicesPqPrekeySignatureFieldEvent {
    field: '$.devices[].pqPrekey.signature'
    value: Uint8Array
    index: number
  }

  export interface AccountRecordBodyDevicesPqPrekeyCreatedAtFieldEvent {
    field: '$.devices[].pqPrekey.createdAt'
    value: bigint
    index: number
  }

  export interface AccountRecordBodyDevicesAddedAtFieldEvent {
    field: '$.devices[].addedAt'
    value: bigint
    index: number
  }

  export interface AccountRecordBodyDevicesDeviceSignatureFieldEvent {
    field: '$.devices[].deviceSignature'
    value: Uint8Array
    index: number
  }

  export interface AccountRecordBodyDevicesRelayedOnlyFieldEvent {
    field: '$.devices[].relayedOnly'
    value: boolean
    index: number
  }

  export interface AccountRecordBodyRelaysPeerIdFieldEvent {
    field: '$.relays[].peerId'
    value: Uint8Array
    index: number
  }

  export interface AccountRecordBodyRelaysMultiaddrsFieldEvent {
    field: '$.relays[].multiaddrs[]'
    index: number
    value: Uint8Array
  }

  export interface AccountRecordBodyDeletedFieldEvent {
    field: '$.deleted'
    value: boolean
  }

  export function encode (obj: Partial<AccountRecordBody>): Uint8Array {
    return encodeMessage(obj, AccountRecordBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AccountRecordBody>): AccountRecordBody {
    return decodeMessage(buf, AccountRecordBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AccountRecordBody>): Generator<AccountRecordBodyVersionFieldEvent | AccountRecordBodyAccountKeyFieldEvent | AccountRecordBodySequenceFieldEvent | AccountRecordBodyIssuedAtFieldEvent | AccountRecordBodyExpiresAtFieldEvent | AccountRecordBodyInactivityDaysFieldEvent | AccountRecordBodyDevicesPeerIdFieldEvent | AccountRecordBodyDevicesDeviceKeyFieldEvent | AccountRecordBodyDevicesIdentityDhKeyFieldEvent | AccountRecordBodyDevicesSignedPrekeyIdFieldEvent | AccountRecordBodyDevicesSignedPrekeyPublicKeyFieldEvent | AccountRecordBodyDevicesSignedPrekeySignatureFieldEvent | AccountRecordBodyDevicesSignedPrekeyCreatedAtFieldEvent | AccountRecordBodyDevicesPqPrekeyIdFieldEvent | AccountRecordBodyDevicesPqPrekeyPublicKeyFieldEvent | AccountRecordBodyDevicesPqPrekeySignatureFieldEvent | AccountRecordBodyDevicesPqPrekeyCreatedAtFieldEvent | AccountRecordBodyDevicesAddedAtFieldEvent | AccountRecordBodyDevicesDeviceSignatureFieldEvent | AccountRecordBodyDevicesRelayedOnlyFieldEvent | AccountRecordBodyRelaysPeerIdFieldEvent | AccountRecordBodyRelaysMultiaddrsFieldEvent | AccountRecordBodyDeletedFieldEvent> {
    return streamMessage(buf, AccountRecordBody.codec(), opts)
  }
}

export interface SignedAccountRecord {
  body: Uint8Array
  signature: Uint8Array
}

export namespace SignedAccountRecord {
  let _codec: Codec<SignedAccountRecord>

  export const codec = (): Codec<SignedAccountRecord> => {
    if (_codec == null) {
      _codec = message<SignedAccountRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
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

  export interface SignedAccountRecordBodyFieldEvent {
    field: '$.body'
    value: Uint8Array
  }

  export interface SignedAccountRecordSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<SignedAccountRecord>): Uint8Array {
    return encodeMessage(obj, SignedAccountRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAccountRecord>): SignedAccountRecord {
    return decodeMessage(buf, SignedAccountRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAccountRecord>): Generator<SignedAccountRecordBodyFieldEvent | SignedAccountRecordSignatureFieldEvent> {
    return streamMessage(buf, SignedAccountRecord.codec(), opts)
  }
}

export interface Envelope {
  version: number
  id: Uint8Array
  recipientDevice: Uint8Array
  payload: Uint8Array
  createdAt: bigint
  expiresAt: bigint
  flags: number
}

export namespace Envelope {
  let _codec: Codec<Envelope>

  export const codec = (): Codec<Envelope> => {
    if (_codec == null) {
      _codec = message<Envelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.id)
        }

        if ((obj.recipientDevice != null && obj.recipientDevice.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.recipientDevice)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.payload)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.createdAt)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(48)
          w.uint64(obj.expiresAt)
        }

        if ((obj.flags != null && obj.flags !== 0)) {
          w.uint32(56)
          w.uint32(obj.flags)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          id: uint8ArrayAlloc(0),
          recipientDevice: uint8ArrayAlloc(0),
          payload: uint8ArrayAlloc(0),
          createdAt: 0n,
          expiresAt: 0n,
          flags: 0
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
              obj.id = reader.bytes()
              break
            }
            case 3: {
              obj.recipientDevice = reader.bytes()
              break
            }
            case 4: {
              obj.payload = reader.bytes()
              break
            }
            case 5: {
              obj.createdAt = reader.uint64()
              break
            }
            case 6: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 7: {
              obj.flags = reader.uint32()
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

  export interface EnvelopeVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface EnvelopeIdFieldEvent {
    field: '$.id'
    value: Uint8Array
  }

  export interface EnvelopeRecipientDeviceFieldEvent {
    field: '$.recipientDevice'
    value: Uint8Array
  }

  export interface EnvelopePayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array
  }

  export interface EnvelopeCreatedAtFieldEvent {
    field: '$.createdAt'
    value: bigint
  }

  export interface EnvelopeExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface EnvelopeFlagsFieldEvent {
    field: '$.flags'
    value: number
  }

  export function encode (obj: Partial<Envelope>): Uint8Array {
    return encodeMessage(obj, Envelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Envelope {
    return decodeMessage(buf, Envelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Generator<EnvelopeVersionFieldEvent | EnvelopeIdFieldEvent | EnvelopeRecipientDeviceFieldEvent | EnvelopePayloadFieldEvent | EnvelopeCreatedAtFieldEvent | EnvelopeExpiresAtFieldEvent | EnvelopeFlagsFieldEvent> {
    return streamMessage(buf, Envelope.codec(), opts)
  }
}

export interface Ack {
  id: Uint8Array
  status: Ack.Status
  code: string
}

export namespace Ack {
  export enum Status {
    OK = 'OK',
    DUPLICATE = 'DUPLICATE',
    REJECTED = 'REJECTED',
    WRONG_RECIPIENT = 'WRONG_RECIPIENT',
    EXPIRED = 'EXPIRED',
    BUSY = 'BUSY'
  }

  enum __StatusValues {
    OK = 0,
    DUPLICATE = 1,
    REJECTED = 2,
    WRONG_RECIPIENT = 3,
    EXPIRED = 4,
    BUSY = 5
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<Ack>

  export const codec = (): Codec<Ack> => {
    if (_codec == null) {
      _codec = message<Ack>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(16)
          Ack.Status.codec().encode(obj.status, w)
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(26)
          w.string(obj.code)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          status: Status.OK,
          code: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.status = Ack.Status.codec().decode(reader)
              break
            }
            case 3: {
              obj.code = reader.string()
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

  export interface AckIdFieldEvent {
    field: '$.id'
    value: Uint8Array
  }

  export interface AckStatusFieldEvent {
    field: '$.status'
    value: Ack.Status
  }

  export interface AckCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export function encode (obj: Partial<Ack>): Uint8Array {
    return encodeMessage(obj, Ack.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Ack {
    return decodeMessage(buf, Ack.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Generator<AckIdFieldEvent | AckStatusFieldEvent | AckCodeFieldEvent> {
    return streamMessage(buf, Ack.codec(), opts)
  }
}

export interface LinkRequest {
  deviceEntry: Uint8Array
  mac: Uint8Array
}

export namespace LinkRequest {
  let _codec: Codec<LinkRequest>

  export const codec = (): Codec<LinkRequest> => {
    if (_codec == null) {
      _codec = message<LinkRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.deviceEntry != null && obj.deviceEntry.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.deviceEntry)
        }

        if ((obj.mac != null && obj.mac.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.mac)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          deviceEntry: uint8ArrayAlloc(0),
          mac: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.deviceEntry = reader.bytes()
              break
            }
            case 2: {
              obj.mac = reader.bytes()
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

  export interface LinkRequestDeviceEntryFieldEvent {
    field: '$.deviceEntry'
    value: Uint8Array
  }

  export interface LinkRequestMacFieldEvent {
    field: '$.mac'
    value: Uint8Array
  }

  export function encode (obj: Partial<LinkRequest>): Uint8Array {
    return encodeMessage(obj, LinkRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkRequest>): LinkRequest {
    return decodeMessage(buf, LinkRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkRequest>): Generator<LinkRequestDeviceEntryFieldEvent | LinkRequestMacFieldEvent> {
    return streamMessage(buf, LinkRequest.codec(), opts)
  }
}

export interface LinkResponse {
  code: string
  nonce: Uint8Array
  sealed: Uint8Array
}

export namespace LinkResponse {
  let _codec: Codec<LinkResponse>

  export const codec = (): Codec<LinkResponse> => {
    if (_codec == null) {
      _codec = message<LinkResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(10)
          w.string(obj.code)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nonce)
        }

        if ((obj.sealed != null && obj.sealed.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.sealed)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: '',
          nonce: uint8ArrayAlloc(0),
          sealed: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = reader.string()
              break
            }
            case 2: {
              obj.nonce = reader.bytes()
              break
            }
            case 3: {
              obj.sealed = reader.bytes()
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

  export interface LinkResponseCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface LinkResponseNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array
  }

  export interface LinkResponseSealedFieldEvent {
    field: '$.sealed'
    value: Uint8Array
  }

  export function encode (obj: Partial<LinkResponse>): Uint8Array {
    return encodeMessage(obj, LinkResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkResponse>): LinkResponse {
    return decodeMessage(buf, LinkResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkResponse>): Generator<LinkResponseCodeFieldEvent | LinkResponseNonceFieldEvent | LinkResponseSealedFieldEvent> {
    return streamMessage(buf, LinkResponse.codec(), opts)
  }
}
