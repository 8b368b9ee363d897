import type { AbortOptions } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { RelayEntry } from '../../identity/account-record.js'
import { isBrowserDialable, publishableRelayAddresses } from '../../net/relay-entry-addresses.js'
import { relayEntryOf } from '../contacts/invite.js'
import { RELAY_ADDRESSES_TIMEOUT_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'

/** Whether browsers can reach this account, and if not, why (in words). */
export interface BrowserReach {
  reachable: boolean
  reason?: string
}

export interface RelayEntries {
  entries: RelayEntry[]
  browsers: BrowserReach
}

/**
 * This account's relay entries for its record: each relay's configured address first, then the
 * addresses the relay announces (asked with identify) that Node peers (TCP) or browsers
 * (WebSockets) can dial, so that every kind of peer can deposit mail for this account. A relay
 * that cannot be asked keeps its configured address only, and the reason is reported.
 */
export async function relayEntries (ctx: MessengerContext, relays: string[], options: AbortOptions = {}): Promise<RelayEntries> {
  const { network } = ctx.components
  const log = ctx.log('relays')
  const problems: string[] = []
  const entries = await Promise.all(relays.map(async (relay) => {
    let announced: string[] = []
    try {
      announced = await network.peerAddresses(relay, { signal: options.signal ?? AbortSignal.timeout(RELAY_ADDRESSES_TIMEOUT_MS) })
      if (announced.length === 0) problems.push(`relay ${shortRelay(relay)} is not connected, so its WebSocket addresses are unknown`)
    } catch (err) {
      log('could not ask relay %s for its addresses - %e', relay, err)
      problems.push(`relay ${shortRelay(relay)} could not be asked for its addresses: ${(err as Error).message}`)
    }
    const addresses = publishableRelayAddresses(relay, announced)
    const entry = relayEntryOf(relay)
    return { ...entry, multiaddrs: addresses.map((a) => multiaddr(a).bytes) }
  }))
  return { entries, browsers: browserReach(relays, entries.flatMap((e) => e.multiaddrs.map((b) => multiaddr(b))), problems) }
}

function browserReach (relays: string[], published: Array<ReturnType<typeof multiaddr>>, problems: string[]): BrowserReach {
  if (published.some((ma) => isBrowserDialable(ma))) return { reachable: true }
  if (relays.length === 0) {
    return { reachable: false, reason: 'no relay: browsers reach this account only through a relay with a WebSocket (/ws or /wss) address; start with --relay <relay address>' }
  }
  const detail = problems.length > 0 ? problems.join('; ') : `the relays announce no WebSocket address (${relays.map(shortRelay).join(', ')})`
  return { reachable: false, reason: `no WebSocket (/ws or /wss) relay address is published, so browsers cannot deliver to this account: ${detail}` }
}

/** A relay's address without its long peer id, for messages. */
function shortRelay (relay: string): string {
  const at = relay.lastIndexOf('/p2p/')
  return at < 0 ? relay : `${relay.slice(0, at)}/p2p/${relay.slice(at + 5, at + 13)}…`
}
