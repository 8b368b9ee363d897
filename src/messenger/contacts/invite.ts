import { sha256 } from '@noble/hashes/sha2.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { toHex } from '../../bytes.js'
import type { DeviceEntry, RelayEntry } from '../../identity/account-record.js'
import type { Contact } from '../../store/index.js'
import { InvalidArgumentError } from '../errors.js'
import { checkInviteRelay } from './invite-relay.js'
import type { ContactView } from '../types.js'

export function contactView (contact: Contact): ContactView {
  return { address: contact.accountId, name: contact.name, verification: contact.verification, blocked: contact.blocked, addedAt: contact.addedAt }
}

/** First 8 characters of an address, for display. */
export function shortAddress (address: string): string {
  return `${address.slice(0, 8)}…`
}

/**
 * `parley:<address>?relay=<multiaddr>` or a bare address. A `relay=` must pass
 * `checkInviteRelay` (TCP or WebSocket, ending in `/p2p/<id>`).
 *
 * @throws {InvalidInviteRelayError} `ERR_INVALID_INVITE_RELAY` for a malformed or refused relay
 */
export function parseInvite (text: string): { address: string, relay?: string } {
  const trimmed = text.trim()
  if (!trimmed.startsWith('parley:')) return { address: trimmed }
  const [address, query] = trimmed.slice('parley:'.length).split('?')
  const relay = new URLSearchParams(query ?? '').get('relay') ?? undefined
  if (relay == null) return { address }
  return { address, relay: checkInviteRelay(relay).toString() }
}

/** A stable digest of an account's device keys: changes when a device or its keys change. */
export function deviceFingerprint (devices: DeviceEntry[]): Uint8Array {
  const parts = devices.map((d) => toHex(d.deviceKey) + toHex(d.identityDhKey)).sort()
  return sha256(new TextEncoder().encode(parts.join(',')))
}

/** The record entry of a relay multiaddr (which must end in /p2p/<id>). */
export function relayEntryOf (address: string): RelayEntry {
  const ma = multiaddr(address)
  const id = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
  if (id == null) throw new InvalidArgumentError(`Relay address needs /p2p/<id>: ${address}`)
  return { peerId: peerIdFromString(id).toMultihash().bytes, multiaddrs: [ma.bytes] }
}
