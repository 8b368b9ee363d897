import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import * as C from './constants.js'
import { ConfigError } from './errors.js'
import type { LogLevel } from './logger.js'
import type { RateLimit } from './rate-limiter.js'
import { addressList } from './remote-address.js'

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
}

export interface RelayLimits {
  maxEnvelopeBytes: number
  mailboxMaxEnvelopes: number
  mailboxMaxBytes: number
  storageMaxBytes: number
  maxMailboxes: number
  maxPrekeysPerMailbox: number
  retentionMs: number
  secretMaxMs: number
  depositRate: RateLimit
  fetchRate: RateLimit
  prekeyRate: RateLimit
  /** Per remote address (IPv4, or IPv6 /64) across all its PeerIds; null turns one off. */
  depositRatePerAddress: RateLimit | null
  fetchRatePerAddress: RateLimit | null
  prekeyRatePerAddress: RateLimit | null
  /** Addresses and CIDR ranges the per-address limits skip (default: loopback). */
  addressLimitExempt: string[]
  /** Other people's DHT records held in memory: overall and per remote address, in count and bytes. */
  dhtMaxRecords: number
  dhtMaxRecordBytes: number
  dhtMaxRecordsPerAddress: number
  dhtMaxRecordBytesPerAddress: number
  /** DHT PUT_VALUE requests per remote peer, and per remote address (null: off). */
  dhtPutRate: RateLimit
  dhtPutRatePerAddress: RateLimit | null
  /** Deposited envelope bytes per remote address (token bucket over bytes); null turns it off. */
  depositByteRatePerAddress: RateLimit | null
  /** Envelope bytes one remote address may have stored at once. */
  storedBytesPerAddress: number
  /** Mailboxes no owner has authenticated: how many, their envelopes and bytes each, their retention. */
  maxUnownedMailboxes: number
  unownedMailboxMaxEnvelopes: number
  unownedMailboxMaxBytes: number
  unownedRetentionMs: number
  /** One-time prekeys handed out per target mailbox, all takers together. */
  mailboxPrekeyRate: RateLimit
  maxStreams: number
  maxStreamsPerConnection: number
  /** Mailbox streams per remote address (IPv4, IPv6 /64; a /48 gets NETWORK_SLOT_FACTOR times as many). */
  maxStreamsPerAddress: number
  /** Inbound connections per remote address (IPv4, IPv6 /64; a /48 gets NETWORK_SLOT_FACTOR times as many). */
  maxConnectionsPerAddress: number
  frameTimeoutMs: number
  idleTimeoutMs: number
  /** An unauthenticated stream closes this long after it opened or last deposited; `get_challenge` does not extend it. */
  unauthenticatedIdleTimeoutMs: number
  subscribeIdleTimeoutMs: number
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
    limits: {
      maxEnvelopeBytes: C.DEFAULT_MAX_ENVELOPE_BYTES,
      mailboxMaxEnvelopes: C.DEFAULT_MAILBOX_MAX_ENVELOPES,
      mailboxMaxBytes: C.DEFAULT_MAILBOX_MAX_BYTES,
      storageMaxBytes: C.DEFAULT_STORAGE_MAX_BYTES,
      maxMailboxes: C.DEFAULT_MAX_MAILBOXES,
      maxPrekeysPerMailbox: C.DEFAULT_MAX_PREKEYS_PER_MAILBOX,
      retentionMs: C.DEFAULT_RETENTION_MS,
      secretMaxMs: C.DEFAULT_SECRET_MAX_MS,
      depositRate: { ...C.DEFAULT_DEPOSIT_RATE },
      fetchRate: { ...C.DEFAULT_FETCH_RATE },
      prekeyRate: { ...C.DEFAULT_PREKEY_RATE },
      depositRatePerAddress: { ...C.DEFAULT_DEPOSIT_RATE_PER_ADDRESS },
      fetchRatePerAddress: { ...C.DEFAULT_FETCH_RATE_PER_ADDRESS },
      prekeyRatePerAddress: { ...C.DEFAULT_PREKEY_RATE_PER_ADDRESS },
      addressLimitExempt: [...C.DEFAULT_ADDRESS_LIMIT_EXEMPT],
      dhtMaxRecords: C.DEFAULT_DHT_MAX_RECORDS,
      dhtMaxRecordBytes: C.DEFAULT_DHT_MAX_RECORD_BYTES,
      dhtMaxRecordsPerAddress: C.DEFAULT_DHT_MAX_RECORDS_PER_ADDRESS,
      dhtMaxRecordBytesPerAddress: C.DEFAULT_DHT_MAX_RECORD_BYTES_PER_ADDRESS,
      dhtPutRate: { ...C.DEFAULT_DHT_PUT_RATE },
      dhtPutRatePerAddress: { ...C.DEFAULT_DHT_PUT_RATE_PER_ADDRESS },
      depositByteRatePerAddress: { ...C.DEFAULT_DEPOSIT_BYTE_RATE_PER_ADDRESS },
      storedBytesPerAddress: C.DEFAULT_STORED_BYTES_PER_ADDRESS,
      maxUnownedMailboxes: C.DEFAULT_MAX_UNOWNED_MAILBOXES,
      unownedMailboxMaxEnvelopes: C.DEFAULT_UNOWNED_MAILBOX_MAX_ENVELOPES,
      unownedMailboxMaxBytes: C.DEFAULT_UNOWNED_MAILBOX_MAX_BYTES,
      unownedRetentionMs: C.DEFAULT_UNOWNED_RETENTION_MS,
      mailboxPrekeyRate: { ...C.DEFAULT_MAILBOX_PREKEY_RATE },
      maxStreams: C.DEFAULT_MAX_STREAMS,
      maxStreamsPerConnection: C.DEFAULT_MAX_STREAMS_PER_CONNECTION,
      maxStreamsPerAddress: C.DEFAULT_MAX_STREAMS_PER_ADDRESS,
      maxConnectionsPerAddress: C.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
      frameTimeoutMs: C.DEFAULT_FRAME_TIMEOUT_MS,
      idleTimeoutMs: C.DEFAULT_IDLE_TIMEOUT_MS,
      unauthenticatedIdleTimeoutMs: C.DEFAULT_UNAUTHENTICATED_IDLE_TIMEOUT_MS,
      subscribeIdleTimeoutMs: C.DEFAULT_SUBSCRIBE_IDLE_TIMEOUT_MS
    },
    sweep: { intervalMs: C.DEFAULT_SWEEP_INTERVAL_MS, inactivityOverrideMs: null },
    provide: { enabled: true, intervalMs: C.DEFAULT_PROVIDE_INTERVAL_MS },
    manyPeersPerAddress: false,
    tls: null
  }
}

const DEFAULT_PER_ADDRESS: Record<string, RateLimit> = {
  depositRatePerAddress: C.DEFAULT_DEPOSIT_RATE_PER_ADDRESS,
  fetchRatePerAddress: C.DEFAULT_FETCH_RATE_PER_ADDRESS,
  prekeyRatePerAddress: C.DEFAULT_PREKEY_RATE_PER_ADDRESS,
  dhtPutRatePerAddress: C.DEFAULT_DHT_PUT_RATE_PER_ADDRESS,
  depositByteRatePerAddress: C.DEFAULT_DEPOSIT_BYTE_RATE_PER_ADDRESS
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function checkPositiveInt (field: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new ConfigError(field, `must be an integer ≥ ${min}`)
  return v
}

function checkRate (field: string, v: unknown, base: RateLimit): RateLimit {
  if (!isObject(v)) throw new ConfigError(field, 'must be an object { perSecond, burst }')
  const out = { ...base }
  for (const [k, value] of Object.entries(v)) {
    if (k === 'perSecond') {
      if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new ConfigError(`${field}.perSecond`, 'must be a number > 0')
      out.perSecond = value
    } else if (k === 'burst') out.burst = checkPositiveInt(`${field}.burst`, value)
    else throw new ConfigError(`${field}.${k}`, 'unknown field')
  }
  return out
}

function checkAddressList (field: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.some((a) => typeof a !== 'string')) throw new ConfigError(field, 'must be an array of IP addresses or CIDR ranges')
  try { addressList(v as string[]) } catch (err) { throw new ConfigError(field, (err as Error).message) }
  return [...v] as string[]
}

function checkAddrs (field: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.some((a) => typeof a !== 'string')) throw new ConfigError(field, 'must be an array of multiaddr strings')
  v.forEach((a: string, i) => {
    try { multiaddr(a) } catch (err) { throw new ConfigError(`${field}[${i}]`, `not a multiaddr (${(err as Error).message})`) }
  })
  return [...v] as string[]
}

/**
 * Validates a parsed config object (file contents or overrides) on top of `base`.
 * Throws {@link ConfigError} naming the offending field: unknown fields, wrong types, bad
 * multiaddrs and out-of-range numbers are all refused.
 *
 * @example
 * ```ts
 * const config = parseRelayConfig({ listen: ['/ip4/127.0.0.1/tcp/0'], limits: { retentionMs: 86400000 } })
 * ```
 */
export function parseRelayConfig (input: unknown, options: { base?: RelayConfig, baseDir?: string, partial?: boolean } = {}): RelayConfig {
  const baseDir = options.baseDir ?? process.cwd()
  const config = structuredClone(options.base ?? defaultRelayConfig(baseDir))
  if (!isObject(input)) throw new ConfigError('(root)', 'must be a JSON object')
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case '$schema': case 'comment': break
      case 'dataDir':
        if (typeof value !== 'string' || value === '') throw new ConfigError(key, 'must be a non-empty path')
        config.dataDir = resolve(baseDir, value)
        break
      case 'listen': config.listen = checkAddrs(key, value); break
      case 'announce':
        config.announce = checkAddrs(key, value)
        config.announce.forEach((a, i) => {
          if (multiaddr(a).getComponents().some((c) => c.name === 'p2p')) throw new ConfigError(`${key}[${i}]`, 'leave out /p2p/<id>: the relay appends its own')
        })
        break
      case 'bootstrap': config.bootstrap = checkAddrs(key, value); break
      case 'maxConnections': config.maxConnections = checkPositiveInt(key, value); break
      case 'maxReservations': config.maxReservations = checkPositiveInt(key, value, 0); break
      case 'manyPeersPerAddress':
        if (typeof value !== 'boolean') throw new ConfigError(key, 'must be true or false')
        config.manyPeersPerAddress = value
        break
      case 'metrics':
        if (!isObject(value)) throw new ConfigError(key, 'must be an object')
        for (const [k, v] of Object.entries(value)) {
          if (k === 'enabled') { if (typeof v !== 'boolean') throw new ConfigError('metrics.enabled', 'must be true or false'); config.metrics.enabled = v } else if (k === 'host') { if (typeof v !== 'string' || v === '') throw new ConfigError('metrics.host', 'must be a host name or IP'); config.metrics.host = v } else if (k === 'port') {
            config.metrics.port = checkPositiveInt('metrics.port', v, 0)
            if (config.metrics.port > 65535) throw new ConfigError('metrics.port', 'must be ≤ 65535')
          } else throw new ConfigError(`metrics.${k}`, 'unknown field')
        }
        break
      case 'log':
        if (!isObject(value)) throw new ConfigError(key, 'must be an object')
        for (const [k, v] of Object.entries(value)) {
          if (k !== 'level') throw new ConfigError(`log.${k}`, 'unknown field')
          if (!['debug', 'info', 'warn', 'error', 'silent'].includes(v as string)) throw new ConfigError('log.level', 'must be debug, info, warn, error or silent')
          config.log.level = v as LogLevel
        }
        break
      case 'limits':
        if (!isObject(value)) throw new ConfigError(key, 'must be an object')
        for (const [k, v] of Object.entries(value)) {
          const field = `limits.${k}`
          if (!(k in config.limits)) throw new ConfigError(field, 'unknown field')
          const limits = config.limits as unknown as Record<string, unknown>
          if (k.endsWith('Rate')) limits[k] = checkRate(field, v, limits[k] as RateLimit)
          else if (k.endsWith('RatePerAddress')) limits[k] = v === null ? null : checkRate(field, v, (limits[k] ?? DEFAULT_PER_ADDRESS[k]) as RateLimit)
          else if (k === 'addressLimitExempt') limits[k] = checkAddressList(field, v)
          else limits[k] = checkPositiveInt(field, v)
        }
        if (config.limits.maxEnvelopeBytes > 16 * 1024 * 1024) throw new ConfigError('limits.maxEnvelopeBytes', 'must be ≤ 16 MiB')
        break
      case 'sweep':
        if (!isObject(value)) throw new ConfigError(key, 'must be an object')
        for (const [k, v] of Object.entries(value)) {
          if (k === 'intervalMs') config.sweep.intervalMs = checkPositiveInt('sweep.intervalMs', v)
          else if (k === 'inactivityOverrideMs') config.sweep.inactivityOverrideMs = v === null ? null : checkPositiveInt('sweep.inactivityOverrideMs', v)
          else throw new ConfigError(`sweep.${k}`, 'unknown field')
        }
        break
      case 'provide':
        if (!isObject(value)) throw new ConfigError(key, 'must be an object')
        for (const [k, v] of Object.entries(value)) {
          if (k === 'enabled') { if (typeof v !== 'boolean') throw new ConfigError('provide.enabled', 'must be true or false'); config.provide.enabled = v } else if (k === 'intervalMs') config.provide.intervalMs = checkPositiveInt('provide.intervalMs', v)
          else throw new ConfigError(`provide.${k}`, 'unknown field')
        }
        break
      case 'tls': {
        if (value === null) { config.tls = null; break }
        if (!isObject(value)) throw new ConfigError(key, 'must be null or an object { certFile, keyFile }')
        const files: Record<string, string> = {}
        for (const [k, v] of Object.entries(value)) {
          if (k !== 'certFile' && k !== 'keyFile') throw new ConfigError(`tls.${k}`, 'unknown field')
          if (typeof v !== 'string' || v === '') throw new ConfigError(`tls.${k}`, 'must be a file path')
          files[k] = resolve(baseDir, v)
        }
        if (files.certFile == null || files.keyFile == null) throw new ConfigError('tls', 'needs both certFile and keyFile')
        config.tls = { certFile: files.certFile, keyFile: files.keyFile }
        break
      }
      default:
        throw new ConfigError(key, 'unknown field')
    }
  }
  // checks across fields wait for the last layer (a file's /tls/ws address, its certificate from flags)
  if (options.partial !== true) validateRelayConfig(config)
  return config
}

/** Checks across fields of a complete config: something to listen on, a certificate for secure WebSockets. */
export function validateRelayConfig (config: RelayConfig): void {
  if (config.listen.length === 0) throw new ConfigError('listen', 'needs at least one address')
  const secure = config.listen.find(isSecureWebSockets)
  if (secure != null && config.tls == null) throw new ConfigError('tls', `${secure} is a secure WebSockets address: set tls.certFile and tls.keyFile (or --tls-cert and --tls-key)`)
}

/**
 * Reads a JSON config file (relative paths in it resolve against the file's folder), then
 * applies `overrides` (from CLI flags) on top.
 *
 * @example
 * ```ts
 * const config = await loadRelayConfig('relay.json', { dataDir: '/var/lib/parley-relay' })
 * ```
 */
export async function loadRelayConfig (path: string | undefined, overrides: RelayConfigInput = {}, options: { signal?: AbortSignal, defaultDataDir?: string } = {}): Promise<RelayConfig> {
  let config = defaultRelayConfig(process.cwd(), options.defaultDataDir)
  if (path != null) {
    let text: string
    try {
      text = await readFile(path, { encoding: 'utf8', signal: options.signal })
    } catch (err) {
      throw new ConfigError('--config', `cannot read ${path}: ${(err as Error).message}`)
    }
    let json: unknown
    try { json = JSON.parse(text) } catch (err) { throw new ConfigError('(root)', `${path} is not valid JSON: ${(err as Error).message}`) }
    const baseDir = dirname(resolve(path))
    config = parseRelayConfig(json, { base: defaultRelayConfig(baseDir, options.defaultDataDir), baseDir, partial: true })
  }
  return parseRelayConfig(overrides, { base: config })
}

/**
 * Turns `parley relay` flags into a config path and overrides:
 * `--config FILE`, `--data DIR`, `--listen ADDR` (repeatable), `--announce ADDR` (repeatable),
 * `--bootstrap ADDR` (repeatable),
 * `--metrics-host H`, `--metrics-port N`, `--no-metrics`, `--log-level L`, `--tls-cert FILE`,
 * `--tls-key FILE`.
 */
export function parseRelayArgs (argv: string[]): { configPath?: string, overrides: RelayConfigInput } {
  const overrides: RelayConfigInput = {}
  let configPath: string | undefined
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1]
    if (v == null || v.startsWith('--')) throw new ConfigError(flag, 'needs a value')
    return v
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const take = (): string => {
      if (inline != null) { if (inline === '') throw new ConfigError(flag, 'needs a value'); return inline }
      const v = value(i, flag)
      i++
      return v
    }
    switch (flag) {
      case '--config': configPath = take(); break
      case '--data': overrides.dataDir = resolve(take()); break
      case '--listen': overrides.listen = [...(overrides.listen ?? []), take()]; break
      case '--announce': overrides.announce = [...(overrides.announce ?? []), take()]; break
      case '--bootstrap': overrides.bootstrap = [...(overrides.bootstrap ?? []), take()]; break
      case '--metrics-host': overrides.metrics = { ...overrides.metrics, host: take() }; break
      case '--metrics-port': {
        const raw = take()
        const port = Number(raw)
        if (!/^\d+$/.test(raw)) throw new ConfigError('--metrics-port', 'must be a port number')
        overrides.metrics = { ...overrides.metrics, port }
        break
      }
      case '--no-metrics': overrides.metrics = { ...overrides.metrics, enabled: false }; break
      case '--log-level': overrides.log = { level: take() as LogLevel }; break
      case '--tls-cert': overrides.tls = { keyFile: '', ...overrides.tls, certFile: resolve(take()) }; break
      case '--tls-key': overrides.tls = { certFile: '', ...overrides.tls, keyFile: resolve(take()) }; break
      default: throw new ConfigError(flag, 'unknown flag')
    }
  }
  if (overrides.tls != null && (overrides.tls.certFile === '' || overrides.tls.keyFile === '')) throw new ConfigError(overrides.tls.certFile === '' ? '--tls-cert' : '--tls-key', 'is needed with the other (--tls-cert FILE --tls-key FILE)')
  return { configPath, overrides }
}

/** True for a secure WebSockets listen address: `/tls/ws`, `/tls/sni/<host>/ws` or `/wss`. */
export function isSecureWebSockets (address: string): boolean {
  const names = multiaddr(address).getComponents().map((c) => c.name)
  return names.includes('wss') || (names.includes('tls') && names.includes('ws'))
}
