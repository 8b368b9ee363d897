import type { AbortOptions } from '@libp2p/interface'
import type { RelayEntry } from '../../identity/account-record.js'
import { isFleetRef, parseFleetRef } from '../../net/fleet-relays.js'
import { relayEntryOf } from '../contacts/invite.js'
import { DEFAULT_DIAL_TIMEOUT_MS, DEFAULT_RELAY_COUNT, DEFAULT_RELAY_DISCOVERY_TIMEOUT_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'

/**
 * This account's relays: the configured ones (dialled first, so they serve as DHT peers), else
 * up to `relayCount` found in the DHT; none when nobody can be asked (direct delivery only).
 * A configured relay may be a fleet, `fleet:<id>` or a fleet link `fleet:<id>@<member
 * multiaddr>` (the member is dialled); it is returned as `fleet:<id>`.
 */
export async function chooseRelays (ctx: MessengerContext, init: { relays?: string[], relayCount?: number }, options: AbortOptions & { onDialError?: (relay: string, err: unknown) => void } = {}): Promise<string[]> {
  const { network, relayDiscovery } = ctx.components
  const log = ctx.log('relays')
  const configured: string[] = []
  for (const relay of init.relays ?? []) {
    const fleet = isFleetRef(relay) ? parseFleetRef(relay) : undefined
    configured.push(fleet != null ? `fleet:${fleet.fleetId}` : relay)
    const dial = fleet != null ? fleet.bootstrap : relay
    if (dial == null) continue
    await network.dial(dial, { signal: options.signal ?? AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT_MS) }).catch((err: unknown) => {
      log('could not dial relay %s - %e', dial, err)
      options.onDialError?.(dial, err)
    })
  }
  if (configured.length > 0) return [...new Set(configured)]
  const wanted = init.relayCount ?? DEFAULT_RELAY_COUNT
  // nobody to ask (first start without bootstrap peers): direct delivery only, and no waiting
  if (wanted <= 0 || network.dhtTableSize() === 0) return []
  try {
    return await relayDiscovery.find(wanted, { signal: options.signal ?? AbortSignal.timeout(DEFAULT_RELAY_DISCOVERY_TIMEOUT_MS) })
  } catch (err) {
    log('no relays found, direct delivery only - %e', err)
    return []
  }
}

/** What this account's record lists for `relays`: relay entries, and the operator keys of its fleets. */
export function recordRelays (relays: string[]): { relays: RelayEntry[], fleets: Uint8Array[] } {
  return {
    relays: relays.filter((r) => !isFleetRef(r)).map(relayEntryOf),
    fleets: relays.filter(isFleetRef).map((r) => parseFleetRef(r).operatorKey)
  }
}
