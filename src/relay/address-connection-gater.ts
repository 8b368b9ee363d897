import type { BlockList } from 'node:net'
import type { ComponentLogger, ConnectionGater, Logger, MultiaddrConnection } from '@libp2p/interface'
import type { RelayMetrics } from './metrics.js'
import { addressKeys } from '../net/remote-address.js'

export interface AddressConnectionLimits {
  /** Inbound connections open at once per remote address (IPv4 address, IPv6 /64). */
  maxConnectionsPerAddress: number
  /** Inbound connections open at once per IPv6 /48. */
  maxConnectionsPerNetwork: number
  /** Addresses the caps skip (a local TLS proxy). */
  exempt: BlockList
}

const REFUSED_ADDRESS = Object.freeze({ scope: 'address' })
const REFUSED_NETWORK = Object.freeze({ scope: 'network' })

/**
 * Counts the relay's inbound connections per remote address (and IPv6 /48) from the moment
 * the transport accepts them until their socket closes, and refuses one beyond the address's
 * share before any handshake work is spent on it. Throwaway PeerIds cost nothing to make, so
 * without it one host could hold every connection `maxConnections` allows. Refusals are
 * counted in `parley_relay_connection_refusals_total{scope}`. Its maps hold only addresses
 * with open connections.
 *
 * @example
 * ```ts
 * const gater = new AddressConnectionGater({ maxConnectionsPerAddress: 32, maxConnectionsPerNetwork: 128, exempt: addressList([]) }, metrics, logger)
 * await createLibp2p({ connectionGater: gater.gater(), … })
 * ```
 */
export class AddressConnectionGater {
  private readonly byAddress = new Map<string, number>()
  private readonly byNetwork = new Map<string, number>()

  private readonly log: Logger

  constructor (
    private readonly limits: AddressConnectionLimits,
    private readonly metrics: RelayMetrics,
    logger: ComponentLogger
  ) {
    this.log = logger.forComponent('parley:relay:connections')
  }

  /** The libp2p connection gater hooks. */
  gater (): Pick<ConnectionGater, 'denyInboundConnection'> {
    return { denyInboundConnection: (maConn) => this.denyInboundConnection(maConn) }
  }

  /** True (deny) when the connection's address or /48 already holds its share; else counts it until it closes. */
  denyInboundConnection (maConn: MultiaddrConnection): boolean {
    const keys = addressKeys(maConn.remoteAddr, this.limits.exempt)
    if (keys == null) return false
    if ((this.byAddress.get(keys.address) ?? 0) >= this.limits.maxConnectionsPerAddress) return this.refuse(REFUSED_ADDRESS)
    if (keys.network != null && (this.byNetwork.get(keys.network) ?? 0) >= this.limits.maxConnectionsPerNetwork) return this.refuse(REFUSED_NETWORK)
    if (maConn.status !== 'open') return false
    increment(this.byAddress, keys.address, 1)
    if (keys.network != null) increment(this.byNetwork, keys.network, 1)
    maConn.addEventListener('close', () => {
      increment(this.byAddress, keys.address, -1)
      if (keys.network != null) increment(this.byNetwork, keys.network, -1)
    }, { once: true })
    return false
  }

  private refuse (labels: typeof REFUSED_ADDRESS | typeof REFUSED_NETWORK): true {
    this.metrics.inc('parley_relay_connection_refusals_total', labels)
    this.log.trace('connection refused', { code: 'ERR_TOO_MANY_CONNECTIONS', scope: labels.scope })
    return true
  }
}

function increment (map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by
  if (n <= 0) map.delete(key)
  else map.set(key, n)
}
