import type { AbortOptions, Logger } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import * as Digest from 'multiformats/hashes/digest'
import { compareBytes, concatBytes } from '../bytes.js'
import { ParleyError } from '../errors.js'
import { decodeFleetId, encodeFleetId, FLEET_REF_PREFIX, type FleetRecordBody, type VerifiedFleetRecord } from '../identity/fleet-record.js'
import { FLEET_MAX_ATTEMPTS, FLEET_MEMBER_DOWN_MS } from './constants.js'
import { FleetUnavailableError } from './errors.js'

/** A fleet named where a relay multiaddr could stand: `fleet:<id>`, optionally `@<member multiaddr>` to join the DHT through. */
export interface FleetRef {
  fleetId: string
  operatorKey: Uint8Array
  /** A member's multiaddr (with /p2p/) to dial first, from a fleet link; none for `fleet:<id>`. */
  bootstrap?: string
}

/** True for `fleet:…` (a fleet), false for a relay multiaddr. */
export function isFleetRef (target: string): boolean {
  return target.startsWith(FLEET_REF_PREFIX)
}

/** Parses `fleet:<id>` or `fleet:<id>@<multiaddr>`; a bad id throws `ERR_INVALID_ADDRESS`, a bad multiaddr `ERR_INVALID_RELAY`. */
export function parseFleetRef (target: string): FleetRef {
  const rest = target.slice(FLEET_REF_PREFIX.length)
  const at = rest.indexOf('@')
  const fleetId = at === -1 ? rest : rest.slice(0, at)
  const operatorKey = decodeFleetId(fleetId)
  if (at === -1) return { fleetId: encodeFleetId(operatorKey), operatorKey }
  const bootstrap = rest.slice(at + 1)
  try {
    multiaddr(bootstrap)
  } catch (err) {
    throw new ParleyError(`The fleet link's member address is not a multiaddr: ${(err as Error).message}`, 'ERR_INVALID_RELAY')
  }
  return { fleetId: encodeFleetId(operatorKey), operatorKey, bootstrap }
}

/** `fleet:<id>` of an operator key. */
export function fleetRefOf (operatorKey: Uint8Array): string {
  return FLEET_REF_PREFIX + encodeFleetId(operatorKey)
}

/** One dialable multiaddr (with /p2p/) per member, with its PeerId text; members with no readable address are left out. */
export function memberAddresses (body: FleetRecordBody, log?: Logger): Array<{ peerId: string, peerIdBytes: Uint8Array, address: string }> {
  const out: Array<{ peerId: string, peerIdBytes: Uint8Array, address: string }> = []
  for (const member of body.members) {
    let peerId: string
    try {
      peerId = peerIdFromMultihash(Digest.decode(member.peerId)).toString()
    } catch (err) {
      log?.('skipped a fleet member with an unreadable PeerId - %e', err)
      continue
    }
    for (const bytes of member.multiaddrs) {
      try {
        const ma = multiaddr(bytes)
        const named = ma.getComponents().find((c) => c.name === 'p2p')?.value
        if (named != null && named !== peerId) throw new Error('its /p2p/ names another peer')
        out.push({ peerId, peerIdBytes: member.peerId, address: named != null ? ma.toString() : `${ma.toString()}/p2p/${peerId}` })
        break
      } catch (err) {
        log?.('skipped an unusable fleet member address - %e', err)
      }
    }
  }
  return out
}

export interface FleetRelaysInit {
  /** Where fleet records come from (the DHT directory). */
  directory: { lookup: (operatorKey: Uint8Array, options?: AbortOptions) => Promise<VerifiedFleetRecord> }
  /** Whether this node holds a connection to a peer (PeerId text): connected members are preferred. */
  isConnected?: (peerId: string) => boolean
  log?: Logger
  now?: () => number
  /** A member that failed is tried after the others for this long. @default 30000 */
  downMs?: number
  /** Members tried per request. @default 4 */
  maxAttempts?: number
}

/**
 * Turns `fleet:<id>` targets into member relays and fails over between them. For one mailbox
 * (`key`: the recipient's or owner's device key) members are ordered: those not known to be
 * down before those that failed in the last 30 s; within each, those this node is connected to
 * first; then by rendezvous hash of (key, PeerId), so the senders and the owner of a mailbox
 * pick the same member while it is up, and mailboxes spread over the fleet. A request tries
 * up to 4 members in that order; each failure marks that member down.
 *
 * @example
 * ```ts
 * const fleets = new FleetRelays({ directory, isConnected })
 * await fleets.withMember('fleet:2Nf…', deviceKey, async (relay) => client.deposit(relay, envelope))
 * ```
 */
export class FleetRelays {
  private readonly down = new Map<string, number>()
  private readonly now: () => number

  constructor (private readonly init: FleetRelaysInit) {
    this.now = init.now ?? Date.now
  }

  /** The fleet's member relays (multiaddrs with /p2p/), best first for mailbox `key`. */
  async members (target: string, key: Uint8Array, options: AbortOptions = {}): Promise<string[]> {
    const { operatorKey } = parseFleetRef(target)
    const record = await this.init.directory.lookup(operatorKey, options)
    const now = this.now()
    const ranked = memberAddresses(record.body, this.init.log).map((m) => ({
      ...m,
      down: (this.down.get(m.peerId) ?? 0) > now ? 1 : 0,
      connected: this.init.isConnected?.(m.peerId) === true ? 0 : 1,
      score: sha256(concatBytes(key, m.peerIdBytes))
    }))
    ranked.sort((a, b) => a.down - b.down || a.connected - b.connected || compareBytes(b.score, a.score))
    return ranked.map((m) => m.address)
  }

  /**
   * Runs `fn` on `target` itself when it is a relay multiaddr; for a fleet, on its members in
   * order until one succeeds. Throws the last member's typed error (or `ERR_FLEET_UNAVAILABLE`);
   * an abort is thrown at once.
   */
  async withMember<T> (target: string, key: Uint8Array, fn: (relay: string) => Promise<T>, options: AbortOptions = {}): Promise<T> {
    if (!isFleetRef(target)) return fn(target)
    const members = (await this.members(target, key, options)).slice(0, this.init.maxAttempts ?? FLEET_MAX_ATTEMPTS)
    let last: unknown
    for (const member of members) {
      options.signal?.throwIfAborted()
      try {
        return await fn(member)
      } catch (err) {
        options.signal?.throwIfAborted()
        last = err
        this.markDown(member)
        this.init.log?.('fleet member %s failed, trying the next - %e', member, err)
      }
    }
    if (last instanceof ParleyError) throw last
    throw new FleetUnavailableError(`No member of ${target} could be reached${last instanceof Error ? `: ${last.message}` : ''}`)
  }

  /** Relay multiaddrs for `targets`: each fleet replaced by up to 4 of its members (best first); a fleet that cannot be resolved is left out (logged). */
  async expand (targets: string[], key: Uint8Array, options: AbortOptions = {}): Promise<string[]> {
    const out: string[] = []
    for (const target of targets) {
      if (!isFleetRef(target)) { out.push(target); continue }
      try {
        out.push(...(await this.members(target, key, options)).slice(0, this.init.maxAttempts ?? FLEET_MAX_ATTEMPTS))
      } catch (err) {
        this.init.log?.('could not resolve %s - %e', target, err)
      }
    }
    return out
  }

  /** A member relay (multiaddr with /p2p/) that failed: tried after the others for a while. */
  markDown (member: string): void {
    const peerId = member.slice(member.lastIndexOf('/p2p/') + 5)
    this.down.set(peerId, this.now() + (this.init.downMs ?? FLEET_MEMBER_DOWN_MS))
    if (this.down.size > 1024) {
      const now = this.now()
      for (const [id, until] of this.down) if (until <= now) this.down.delete(id)
    }
  }
}
