import { resolve } from 'node:path'
import * as C from '../constants.js'
import type { LogLevel } from '../logger.js'
import type { RateLimit } from '../../net/rate-limiter.js'
import { defaultRelayLimits, type RelayLimits } from './limits.js'
import { defaultChannelHistoryConfig, type ChannelHistoryConfig } from '../channel-history/config.js'

/** Every relay setting, fully resolved (defaults filled in). See docs/RELAY.md for each field. */
export interface RelayConfig {
  /** Relay key, mailbox database and libp2p datastore live here. */
  dataDir: string
  listen: string[]
  /** Addresses to announce instead of the listen ones (a DNS name, a public IP behind NAT); empty: the listen ones. */
  announce: string[]
  /** Multiaddrs (with /p2p/<id>) of other relays/nodes to join the DHT through. */
  bootstrap: string[]
  maxConnections: number
  /** Circuit-relay-v2 reservations held at once. */
  maxReservations: number
  metrics: { enabled: boolean, host: string, port: number }
  log: { level: LogLevel }
  limits: RelayLimits
  sweep: {
    intervalMs: number
    /** Test/ops override: purge owners silent for this many ms, whatever their record says. */
    inactivityOverrideMs: number | null
  }
  provide: { enabled: boolean, intervalMs: number }
  /** Test networks and LANs: lift the per-IP inbound connection threshold. */
  manyPeersPerAddress: boolean
  /** PEM certificate and key for secure WebSockets (`/tls/ws` listen addresses); null: none. */
  tls: { certFile: string, keyFile: string } | null
  /** Membership of a fleet: the signed fleet record file this relay publishes; null: a relay on its own. */
  fleet: { record: string, republishIntervalMs: number } | null
  /**
   * Where the mailboxes live: `postgres` null keeps them in `<dataDir>/mailboxes` (LevelDB, one
   * process); a `postgres://…` URL puts them in that database, shared by every relay process of a
   * fleet configured with the same URL (docs/RELAY.md, "Relay fleets on PostgreSQL").
   */
  store: { postgres: string | null, poolSize: number }
  /** Opt-in channel history (none kept by default). */
  channels: ChannelHistoryConfig
}

/** A JSON config file or overrides: every field optional, nested objects partial. */
export interface RelayConfigInput {
  dataDir?: string
  listen?: string[]
  announce?: string[]
  bootstrap?: string[]
  maxConnections?: number
  maxReservations?: number
  metrics?: Partial<RelayConfig['metrics']>
  log?: Partial<RelayConfig['log']>
  limits?: { [K in keyof RelayLimits]?: RelayLimits[K] extends RateLimit ? Partial<RateLimit> : RelayLimits[K] extends RateLimit | null ? Partial<RateLimit> | null : RelayLimits[K] }
  sweep?: Partial<RelayConfig['sweep']>
  provide?: Partial<RelayConfig['provide']>
  manyPeersPerAddress?: boolean
  tls?: { certFile: string, keyFile: string } | null
  fleet?: { record: string, republishIntervalMs?: number } | null
  store?: Partial<RelayConfig['store']>
  channels?: Partial<ChannelHistoryConfig>
  /** Free text, ignored. */
  comment?: string
}

/**
 * The defaults. `dataDir` is `defaultDataDir` when given (`parley relay` passes `<home>/relay`),
 * else `relay-data` relative to `baseDir`.
 */
export function defaultRelayConfig (baseDir = process.cwd(), defaultDataDir?: string): RelayConfig {
  return {
    dataDir: defaultDataDir != null ? resolve(defaultDataDir) : resolve(baseDir, 'relay-data'),
    listen: [...C.DEFAULT_LISTEN],
    announce: [],
    bootstrap: [],
    maxConnections: C.DEFAULT_MAX_CONNECTIONS,
    maxReservations: C.DEFAULT_MAX_RESERVATIONS,
    metrics: { enabled: true, host: C.DEFAULT_METRICS_HOST, port: C.DEFAULT_METRICS_PORT },
    log: { level: 'info' },
    limits: defaultRelayLimits(),
    sweep: { intervalMs: C.DEFAULT_SWEEP_INTERVAL_MS, inactivityOverrideMs: null },
    provide: { enabled: true, intervalMs: C.DEFAULT_PROVIDE_INTERVAL_MS },
    manyPeersPerAddress: false,
    tls: null,
    fleet: null,
    store: { postgres: null, poolSize: C.DEFAULT_PG_POOL_SIZE },
    channels: defaultChannelHistoryConfig()
  }
}
