/**
 * Parley for Node: open a device from a home directory, run it on the network, and chat.
 *
 * @example
 * ```ts
 * import { openHomeMessenger } from 'parley'
 * const messenger = await openHomeMessenger({ home: '/home/me/.parley', passphrase, create: true, relays })
 * await messenger.start()
 * const chat = await messenger.conversationWith(friendAddress)
 * await messenger.sendText(chat.id, 'hello')
 * messenger.addEventListener('message', (evt) => console.log(evt.detail.message.text))
 * ```
 *
 * Lower level, the node alone (account record in the DHT, direct envelopes):
 * ```ts
 * import { openHomeNode } from 'parley'
 * const node = await openHomeNode({ home, passphrase, create: true, bootstrap })
 * await node.start()
 * const record = await node.lookupAccount(friendAddress, { signal: AbortSignal.timeout(10_000) })
 * const ack = await node.sendEnvelope(record.body.devices[0], { payload })
 * node.addEventListener('envelope', (evt) => console.log(evt.detail.envelope.payload))
 * ```
 */
export { ParleyError, hasCode } from './errors.js'
export { TypedEvents } from './events.js'
export { ParleyNode, peerIdFromBytes, type ParleyNodeInit, type ParleyNodeEvents, type SendEnvelopeInput, type DeviceSendResult } from './node/parley-node.js'
export { openHomeNode, openHomeStore, hasAccount } from './node/home.js'
export { openHomeMessenger } from './node/open-home-messenger.js'
export { createMessenger, type MessengerInit } from './node/messenger.js'
export { Messenger, AccountExpiredError, parseInvite } from './messenger/messenger.js'
export type * from './messenger/types.js'
export * from './messenger/errors.js'
export { encodeAddress, decodeAddress, isAddress } from './identity/address.js'
export { verifyAccountRecord, type VerifiedAccountRecord, type AccountRecordBody, type DeviceEntry } from './identity/account-record.js'
export type { ReceivedEnvelope, ProtocolErrorEvent } from './net/envelope-server.js'
export type { Envelope, Ack } from './net/envelope-codec.js'
export { VERSION } from './version.js'
