import type { AbortOptions } from '@libp2p/interface'
import { DEFAULT_DIAL_TIMEOUT_MS, DEFAULT_RELAY_COUNT, DEFAULT_RELAY_DISCOVERY_TIMEOUT_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'

/**
 * This account's relays: the configured ones (dialled first, so they serve as DHT peers), else
 * up to `relayCount` found in the DHT; none when nobody can be asked (direct delivery only).
 */
export async function chooseRelays (ctx: MessengerContext, init: { relays?: string[], relayCount?: number }, options: AbortOptions & { onDialError?: (relay: string, err: unknown) => void } = {}): Promise<string[]> {
  const { network, relayDiscovery } = ctx.components
  const log = ctx.log('relays')
  const configured = init.relays ?? []
  for (const relay of configured) {
    await network.dial(relay, { signal: options.signal ?? AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT_MS) }).catch((err: unknown) => {
      log('could not dial relay %s - %e', relay, err)
      options.onDialError?.(relay, err)
    })
  }
  if (configured.length > 0) return configured
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
