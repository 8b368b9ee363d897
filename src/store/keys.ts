import { concatBytes, fromHex, prefixEnd, u64, utf8 } from '../bytes.js'
import { InvalidRecordError } from './errors.js'
import type { StoreCipher } from './store-cipher.js'

/**
 * The key schema, in one place. Every key is binary: an ASCII prefix naming the record kind,
 * then fixed-width parts. No user text ever appears in a key: account ids, device ids, message
 * ids, outbox ids, setting and identity names appear only as 16-byte keyed hashes ("tags":
 * HMAC-SHA256 under a subkey of the store key, see `StoreCipher.tag`); conversation ids are
 * random. Numbers are 8-byte big-endian so they sort. What a key does reveal: record kinds and
 * counts, message order and sender timestamps within a conversation, last-activity times of
 * conversations, next-attempt times of outbox entries and expiry times.
 *
 * | prefix | rest of key | value (sealed under the store key, key as AD) |
 * |---|---|---|
 * | `/version` | — | `{ version }` |
 * | `/keyring` | — | KEK-wrapped store key (passphrase mode; see passphrase-keyring.ts) |
 * | `/keycheck` | — | constant, proves the key matches the data |
 * | `/id/` | tag('identity', name) | opaque identity/key blob |
 * | `/ct/` | tag('account', accountId) | Contact |
 * | `/se/` | tag('device', mine) ‖ tag('device', theirs) | opaque ratchet session |
 * | `/sa/` | tag('device', mine) ‖ tag('device', theirs) | archived ratchet sessions (≤ 4, newest first) |
 * | `/cv/` | conversationId (16 random bytes) | Conversation |
 * | `/ca/` | u64 lastActivity ‖ conversationId | `{}` (activity index) |
 * | `/ms/` | conversationId ‖ u64 clock ‖ u64 senderTimestamp ‖ tag('message', id) | Message |
 * | `/mi/` | tag('message', id) | position of the message (id index) |
 * | `/rc/` | tag('message', id) | Receipts (delivery/read per recipient) |
 * | `/ob/` | tag('outbox', id) | OutboxEntry |
 * | `/od/` | u64 nextAttemptAt ‖ tag('outbox', id) | `{ id }` (due index) |
 * | `/ex/` | u64 expiresAt ‖ tag('message', id) | `{ m, c }` (expiry index) |
 * | `/st/` | tag('setting', name) | setting value |
 * | `/sc/` | conversationId (16 random bytes) | SecretChat (state of a secret chat) |
 * | `/ar/` | tag('account', accountId) | last verified account record seen (bytes) |
 * | `/cp/` | tag('account', accountId) | `{ id }`: the normal conversation with that account |
 * | `/pf/` | tag('setting', name) | account preference (last-active time, read receipts) |
 * | `/gr/` | conversationId (the group id) | GroupRecord (log, state, own chain, pending updates) |
 * | `/gs/` | conversationId ‖ tag('device', device) | `{ r }`: a member device's sender chains |
 * | `/ds/` | utf8 datastore key | libp2p datastore value |
 * | `/ch/` | tag('channel', channelId) | StoredChannel (a followed or owned broadcast channel) |
 * | `/cq/` | tag('channel', channelId) ‖ u64 seq | StoredChannelPost |
 * | `/cf/` | tag('channel', channelId) | ChannelFeedbackState (an owner's reactions and views) |
 */
export const PREFIX = {
  version: utf8('/version'),
  keyring: utf8('/keyring'),
  keycheck: utf8('/keycheck'),
  identity: utf8('/id/'),
  contact: utf8('/ct/'),
  session: utf8('/se/'),
  sessionArchive: utf8('/sa/'),
  conversation: utf8('/cv/'),
  activity: utf8('/ca/'),
  message: utf8('/ms/'),
  messageId: utf8('/mi/'),
  receipt: utf8('/rc/'),
  outbox: utf8('/ob/'),
  outboxDue: utf8('/od/'),
  expiry: utf8('/ex/'),
  setting: utf8('/st/'),
  secretChat: utf8('/sc/'),
  accountRecord: utf8('/ar/'),
  peerConversation: utf8('/cp/'),
  preference: utf8('/pf/'),
  group: utf8('/gr/'),
  groupSender: utf8('/gs/'),
  datastore: utf8('/ds/'),
  channel: utf8('/ch/'),
  channelPost: utf8('/cq/'),
  channelFeedback: utf8('/cf/')
} as const

/** Tag domains: the same id hashes differently in each. */
export const DOMAIN = {
  identity: 'identity',
  account: 'account',
  device: 'device',
  message: 'message',
  outbox: 'outbox',
  setting: 'setting',
  channel: 'channel'
} as const

/** Length of a conversation id in bytes (32 hex characters). */
export const CONVERSATION_ID_BYTES = 16

/** Byte range covering every key with `prefix`. */
export function prefixRange (prefix: Uint8Array): { gte: Uint8Array, lt: Uint8Array } {
  return { gte: prefix, lt: prefixEnd(prefix) }
}

/**
 * Parses a conversation id (32 lowercase hex characters) into its bytes.
 *
 * @example
 * ```ts
 * conversationIdBytes(newConversationId()).length // 16
 * ```
 */
export function conversationIdBytes (id: string): Uint8Array {
  if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) throw new InvalidRecordError('conversation id must be 32 lowercase hex characters')
  return fromHex(id)
}

export async function tagKey (prefix: Uint8Array, cipher: StoreCipher, domain: string, id: string): Promise<Uint8Array> {
  if (typeof id !== 'string' || id.length === 0) throw new InvalidRecordError(`${domain} id must be a non-empty string`)
  return concatBytes(prefix, await cipher.tag(domain, id))
}

export function conversationKey (id: string): Uint8Array {
  return concatBytes(PREFIX.conversation, conversationIdBytes(id))
}

export function activityKey (lastActivity: number, id: string): Uint8Array {
  return concatBytes(PREFIX.activity, u64(lastActivity), conversationIdBytes(id))
}

export function messagePrefix (conversationId: string): Uint8Array {
  return concatBytes(PREFIX.message, conversationIdBytes(conversationId))
}

export function messageKey (conversationId: string, clock: number, senderTimestamp: number, idTag: Uint8Array): Uint8Array {
  return concatBytes(messagePrefix(conversationId), u64(clock), u64(senderTimestamp), idTag)
}

export function expiryKey (expiresAt: number, idTag: Uint8Array): Uint8Array {
  return concatBytes(PREFIX.expiry, u64(expiresAt), idTag)
}

export function outboxDueKey (nextAttemptAt: number, idTag: Uint8Array): Uint8Array {
  return concatBytes(PREFIX.outboxDue, u64(nextAttemptAt), idTag)
}

export function datastoreKey (key: string): Uint8Array {
  return concatBytes(PREFIX.datastore, utf8(key))
}
