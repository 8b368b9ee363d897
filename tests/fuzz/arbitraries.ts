/**
 * Generators of valid wire structures (the seeds the mutations start from), shared by the
 * targets. Signed structures are made once and picked from, since signing per run is slow.
 */
import * as fc from 'fast-check'
import { Envelope } from '../../src/net/envelope-codec.js'
import { MailboxRequest } from '../../src/net/mailbox-codec.js'
import { Content } from '../../src/wire/content.js'
import { makeOwner } from '../relay/helpers.js'

export const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length })
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })

export const validEnvelope: fc.Arbitrary<Envelope> = fc.record({
  version: fc.constantFrom(1, 1, 1, 0, 2),
  id: fc.oneof({ weight: 4, arbitrary: bytes(16) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) }),
  recipientDevice: fc.oneof({ weight: 4, arbitrary: bytes(32) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) }),
  payload: fc.uint8Array({ maxLength: 300 }),
  createdAt: u64,
  expiresAt: u64,
  flags: fc.nat()
})

export const envelopeBytes = validEnvelope.map((e) => Envelope.encode(e))

/** Mailbox requests of every kind, fields of the right sizes mostly. */
export const validMailboxRequest: fc.Arbitrary<MailboxRequest> = fc.record({
  requestId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  body: fc.oneof(
    envelopeBytes.map((envelope) => ({ deposit: { envelope } })),
    fc.constant({ getChallenge: {} }),
    fc.record({ deviceKey: bytes(32), nonce: bytes(32), timestamp: u64, signature: bytes(64), accountRecord: fc.uint8Array({ maxLength: 200 }) }).map((authenticate) => ({ authenticate })),
    fc.record({ limit: fc.nat(), cursor: fc.uint8Array({ maxLength: 40 }) }).map((fetch) => ({ fetch })),
    fc.array(bytes(16), { maxLength: 10 }).map((ids) => ({ ack: { ids } })),
    fc.constant({ subscribe: {} }),
    fc.record({
      oneTime: fc.array(fc.record({ id: fc.nat(), kind: fc.constantFrom(0, 1), blob: fc.uint8Array({ maxLength: 64 }) }), { maxLength: 4 }),
      lastResort: fc.array(fc.record({ id: fc.nat(), kind: fc.constantFrom(0, 1), blob: fc.uint8Array({ maxLength: 64 }) }), { maxLength: 2 }),
      replace: fc.boolean()
    }).map((uploadPrekeys) => ({ uploadPrekeys })),
    bytes(32).map((deviceKey) => ({ takePrekey: { deviceKey } }))
  )
}).map(({ requestId, body }) => ({ requestId, ...body }) as MailboxRequest)

export const mailboxRequestBytes = validMailboxRequest.map((r) => MailboxRequest.encode(r))

const KINDS = Object.values(Content.Kind).filter((k): k is Content.Kind => typeof k === 'string')

/** Contents of every kind, with the ids, secret-chat ids and sync peers of the right length mostly. */
export const validContent: fc.Arbitrary<Content> = fc.record({
  version: fc.constantFrom(1, 1, 0, 2),
  kind: fc.constantFrom(...KINDS),
  messageId: fc.oneof(bytes(16), fc.uint8Array({ maxLength: 20 })),
  sentAt: u64,
  clock: u64,
  ttlMs: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 10n ** 12n }), u64),
  secretChatId: fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 1, arbitrary: bytes(16) }),
  syncPeer: fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 1, arbitrary: bytes(32) }),
  text: fc.string({ maxLength: 40 }),
  targetId: fc.oneof(bytes(16), fc.uint8Array({ maxLength: 20 })),
  emoji: fc.string({ maxLength: 8 }),
  ids: fc.array(fc.oneof(bytes(16), fc.uint8Array({ maxLength: 20 })), { maxLength: 5 }),
  receipt: fc.constantFrom(Content.ReceiptType.DELIVERED, Content.ReceiptType.READ),
  flag: fc.boolean(),
  secretAction: fc.constantFrom(Content.SecretAction.START, Content.SecretAction.ACCEPT, Content.SecretAction.CLOSE),
  directOnly: fc.boolean(),
  groupId: fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 1, arbitrary: bytes(16) }),
  groupPayload: fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) }),
  senderKey: fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 160 }) })
})

export const contentBytes = validContent.map((c) => Content.encode(c))

/** A few real signed account records (1 device each), made once. */
export const OWNERS = Array.from({ length: 3 }, (_, i) => makeOwner({ inactivityDays: [30, 90, 365][i] }))
export const accountRecordBytes = fc.constantFrom(...OWNERS.map((o) => o.accountRecord))
