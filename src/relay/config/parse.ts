import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { AbortOptions } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import * as C from '../constants.js'
import { ConfigError } from '../errors.js'
import { parseChannelHistoryConfig } from '../channel-history/config.js'
import type { LogLevel } from '../logger.js'
import type { RateLimit } from '../../net/rate-limiter.js'
import { addressList } from '../../net/remote-address.js'
import { defaultRelayConfig, type RelayConfig, type RelayConfigInput } from './config.js'

const DEFAULT_PER_ADDRESS: Record<string, RateLimit> = {
  depositRatePerAddress: C.DEFAULT_DEPOSIT_RATE_PER_ADDRESS,
  fetchRatePerAddress: C.DEFAULT_FETCH_RATE_PER_ADDRESS,
  prekeyRatePerAddress: C.DEFAULT_PREKEY_RATE_PER_ADDRESS,
  dhtPutRatePerAddress: C.DEFAULT_DHT_PUT_RATE_PER_ADDRESS,
  depositByteRatePerAddress: C.DEFAULT_DEPOSIT_BYTE_RATE_PER_ADDRESS,
  ownedMailboxRatePerAddress: C.DEFAULT_OWNED_MAILBOX_RATE_PER_ADDRESS,
  blobRequestRatePerAddress: C.DEFAULT_BLOB_REQUEST_RATE_PER_ADDRESS,
  blobByteRatePerAddress: C.DEFAULT_BLOB_BYTE_RATE_PER_ADDRESS
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
        if (config.limits.blobMaxBytes > 2 * 1024 * 1024 * 1024) throw new ConfigError('limits.blobMaxBytes', 'must be ≤ 2 GiB (the format\'s own limit)')
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
      case 'fleet': config.fleet = parseFleet(value, baseDir); break
      case 'store':
        if (!isObject(value)) throw new ConfigError(key, 'must be an object { postgres, poolSize }')
        for (const [k, v] of Object.entries(value)) {
          if (k === 'postgres') {
            if (v !== null && (typeof v !== 'string' || !/^postgres(ql)?:\/\/./.test(v))) throw new ConfigError('store.postgres', 'must be null or a postgres:// URL')
            config.store.postgres = v
          } else if (k === 'poolSize') config.store.poolSize = checkPositiveInt('store.poolSize', v)
          else throw new ConfigError(`store.${k}`, 'unknown field')
        }
        break
      case 'channels': config.channels = parseChannelHistoryConfig(value, config.channels); break
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
export async function loadRelayConfig (path: string | undefined, overrides: RelayConfigInput = {}, options: AbortOptions & { defaultDataDir?: string } = {}): Promise<RelayConfig> {
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

/** True for a secure WebSockets listen address: `/tls/ws`, `/tls/sni/<host>/ws` or `/wss`. */
export function isSecureWebSockets (address: string): boolean {
  const names = multiaddr(address).getComponents().map((c) => c.name)
  return names.includes('wss') || (names.includes('tls') && names.includes('ws'))
}

/** `fleet: { record: "fleet.json", republishIntervalMs? }` or null. */
function parseFleet (value: unknown, baseDir: string): RelayConfig['fleet'] {
  if (value === null) return null
  if (!isObject(value)) throw new ConfigError('fleet', 'must be null or an object { record }')
  let record: string | undefined
  let republishIntervalMs = C.DEFAULT_FLEET_REPUBLISH_INTERVAL_MS
  for (const [k, v] of Object.entries(value)) {
    if (k === 'record') {
      if (typeof v !== 'string' || v === '') throw new ConfigError('fleet.record', 'must be the path of a fleet record file (parley fleet sign)')
      record = resolve(baseDir, v)
    } else if (k === 'republishIntervalMs') republishIntervalMs = checkPositiveInt('fleet.republishIntervalMs', v, 1000)
    else throw new ConfigError(`fleet.${k}`, 'unknown field')
  }
  if (record == null) throw new ConfigError('fleet.record', 'is required')
  return { record, republishIntervalMs }
}
