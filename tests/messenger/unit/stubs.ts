import { defaultLogger } from '@libp2p/logger'
import { randomBytes } from '@noble/hashes/utils.js'
import { toHex } from '../../../src/bytes.js'
import type { AccountRecordBody, DeviceEntry, VerifiedAccountRecord } from '../../../src/identity/account-record.js'
import { encodeAddress } from '../../../src/identity/address.js'
import type { MessengerComponents } from '../../../src/messenger/components.js'
import { baseContent } from '../../../src/messenger/conversations/content.js'
import type { Effect } from '../../../src/messenger/effects.js'
import { Messenger } from '../../../src/messenger/messenger.js'
import type { ReceivedContent } from '../../../src/messenger/receive/handlers/index.js'
import type { SessionCrypto } from '../../../src/messenger/sessions/session-crypto.js'
import type { MessengerEvents } from '../../../src/messenger/types.js'
import { newConversationId, openMemoryStore, type Conversation, type Message, type Store, type StoreTransaction } from '../../../src/store/index.js'
import { Content } from '../../../src/wire/content.js'

export const NOW = 1_700_000_000_000

/** A fresh account: its address and account key. */
export function account (): { address: string, accountKey: Uint8Array } {
  const accountKey = randomBytes(32)
  return { address: encodeAddress(accountKey), accountKey }
}

export function device (): DeviceEntry {
  return { peerId: randomBytes(34), deviceKey: randomBytes(32), identityDhKey: randomBytes(32), addedAt: 0n, deviceSignature: randomBytes(64), relayedOnly: false }
}

export function recordOf (address: string, devices: DeviceEntry[], deleted = false): VerifiedAccountRecord {
  const body: AccountRecordBody = {
    version: 1, accountKey: randomBytes(32), sequence: 1n, issuedAt: 0n, expiresAt: 0n, inactivityDays: 180, devices, relays: [], deleted, fleets: [], removedDevices: []
  }
  return { address, body, bytes: randomBytes(48) }
}

export async function memoryStore (): Promise<Store> {
  return openMemoryStore({ passphrase: 'unit', kdf: { N: 1024, r: 8, p: 1 } })
}

export async function normalChat (store: Store, peer: string, at = NOW): Promise<Conversation> {
  const conversation: Conversation = { id: newConversationId(), kind: 'normal', members: [peer], lastActivity: at, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: at }
  await store.conversations.put(conversation)
  await store.peerConversations.put(peer, conversation.id)
  await store.contacts.put({ accountId: peer, name: 'peer', identityKey: new Uint8Array(0), verification: 'unverified', keyHistory: [], blocked: false, addedAt: at })
  return conversation
}

export async function secretChat (store: Store, peer: string, peerDevice: Uint8Array, state: 'pending' | 'incoming' | 'active' | 'closed'): Promise<Conversation> {
  const conversation: Conversation = { id: newConversationId(), kind: 'secret', members: [peer], lastActivity: NOW, unreadCount: 0, disappearingTimerMs: null, clock: 0, createdAt: NOW }
  await store.conversations.put(conversation)
  await store.secretChats.put(conversation.id, { state, directOnly: false, peerDevice: toHex(peerDevice) })
  return conversation
}

/** A stored text message. */
export async function storedText (store: Store, conversation: Conversation, sender: string, direction: 'in' | 'out', text = 'hello', status: Message['status'] = direction === 'out' ? 'sent' : 'received'): Promise<Message> {
  const message: Message = {
    id: toHex(randomBytes(16)), conversationId: conversation.id, clock: 1, senderTimestamp: NOW, direction, sender,
    content: new TextEncoder().encode(JSON.stringify({ kind: 'text', text, reactions: {}, forwardable: true })), status, expiresAt: null
  }
  await store.messages.put(message)
  return message
}

export function content (conversation: Conversation, kind: Content.Kind, extra: Partial<Content> = {}): Content {
  return baseContent(conversation, kind, NOW, extra)
}

/** Runs one handler-style function in a transaction of `store`, returning its effects. */
export async function inTx (store: Store, fn: (tx: StoreTransaction) => Promise<Effect[]>): Promise<Effect[]> {
  return store.transaction(fn)
}

export function received (tx: StoreTransaction, conversation: Conversation, c: Content, sender: string, extra: Partial<ReceivedContent> = {}): ReceivedContent {
  return { tx, content: c, conversation, sender, senderDevice: randomBytes(32), fromSelf: false, now: NOW, ...extra }
}

/** Events of one kind among effects. */
export function emitted<K extends keyof MessengerEvents & string> (effects: Effect[], type: K): Array<MessengerEvents[K]> {
  return effects.flatMap((e) => e.kind === 'emit' && e.type === type ? [e.detail as MessengerEvents[K]] : [])
}

/** Sessions that "seal" by copying the plaintext, and commit a marker session state. */
export function stubSessions (mine: Uint8Array, onSeal?: (count: number) => void): SessionCrypto {
  let count = 0
  return {
    has: async () => false,
    reset: async () => {},
    forget: async () => {},
    seal: async (target, plaintext) => {
      onSeal?.(++count)
      return { payload: plaintext.slice(), commit: async (tx) => { await tx.sessions.put(toHex(mine), toHex(target.deviceKey), new Uint8Array([1])) } }
    },
    peekSender: async () => { throw new Error('not in unit tests') },
    open: async () => { throw new Error('not in unit tests') }
  }
}

export interface Harness {
  store: Store
  me: { address: string, accountKey: Uint8Array, device: DeviceEntry }
  peer: { address: string, device: DeviceEntry }
  components: MessengerComponents
  messenger: Messenger
  events: Array<{ type: string, detail: unknown }>
}

/** A messenger over stub components and the in-memory store: no network anywhere. */
export async function harness (overrides: Partial<MessengerComponents> = {}): Promise<Harness> {
  const store = await memoryStore()
  const me = { ...account(), device: device() }
  const peer = { ...account(), device: device() }
  const events: Array<{ type: string, detail: unknown }> = []
  const target: { messenger?: Messenger } = {}
  const fail = async (): Promise<never> => { throw new Error('no network in unit tests') }
  const components: MessengerComponents = {
    signer: { publicKey: me.device.deviceKey, sign: async () => new Uint8Array(64) },
    accountRecords: {
      address: me.address,
      accountKey: me.accountKey,
      ownRecord: () => undefined,
      ownBody: () => recordOf(me.address, [me.device]).body,
      sign: async () => new Uint8Array(8),
      refresh: async () => false,
      adopt: async () => {},
      publish: async () => {},
      publishRecord: async () => {}
    },
    directory: { lookup: async (address) => recordOf(address, address === peer.address ? [peer.device] : [me.device]) },
    envelopes: { send: async () => {}, setHandler: () => {} },
    mailboxes: { subscribe: fail, drain: fail, drainPages: fail, ack: fail, uploadPrekeys: fail, purge: fail, stop: async () => {} },
    depositor: { depositToAll: async () => [], takePrekey: async () => [], stop: async () => {} },
    relayDiscovery: { find: async () => [] },
    network: {
      peerId: 'stub', multiaddrs: () => [], peerCount: () => 0, dhtTableSize: () => 0, start: async () => {}, dial: async () => {}, onPeerConnect: () => () => {},
      peerAddresses: async () => [], canDial: () => true, isConnected: () => false, reachableOnlyViaRelays: false, reservations: () => 0, onChange: () => () => {}, protect: async () => {}
    },
    device: { wipe: async () => { await store.wipe() } },
    deviceLinks: { createCode: fail, stop: async () => {}, setConfirmHandler: () => {}, setHistorySource: () => {}, setLinkedHandler: () => {} },
    sessions: stubSessions(me.device.deviceKey),
    prekeys: { consume: async () => {}, generateOneTime: async () => ({ oneTime: [], oneTimePq: [] }) },
    store,
    events: { emit: (type, detail) => { events.push({ type, detail }); target.messenger?.emit(type, detail) } },
    logger: defaultLogger(),
    clock: { now: () => NOW },
    ...overrides
  }
  target.messenger = new Messenger(components, {})
  return { store, me, peer, components, messenger: target.messenger, events }
}

/** Everything a send may leave behind: messages of the conversation, sessions, outbox entries. */
export async function leftovers (h: Harness, conversationId: string): Promise<{ messages: number, sessions: boolean, outbox: number }> {
  return {
    messages: (await h.store.messages.latest(conversationId, { limit: 500 })).items.length,
    sessions: (await h.store.sessions.get(toHex(h.me.device.deviceKey), toHex(h.peer.device.deviceKey))) != null,
    outbox: (await h.store.outbox.due(2 ** 50, { limit: 500 })).items.length
  }
}
