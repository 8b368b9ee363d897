import { readTlsFiles } from './tls-files.js'
import { circuitRelayServer, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { AbortOptions, ComponentLogger, Libp2p, PeerId } from '@libp2p/interface'
import { repeatingTask, type RepeatingTask } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { MemoryDatastore } from 'datastore-core'
import { join } from 'node:path'
import { createParleyLibp2p, type ParleyLibp2p, type ParleyServices } from '../p2p/index.js'
import { AddressConnectionGater } from './address-connection-gater.js'
import { BOOTSTRAP_DIAL_TIMEOUT_MS, DAY_MS, DEFAULT_INACTIVITY_DAYS, NETWORK_SLOT_FACTOR, PROVIDE_TIMEOUT_MS, RELAY_MAX_PENDING_CONNECTIONS, TLS_EXPIRY_WARNING_MS } from './constants.js'
import { errorText, jsonLogger, logWarn } from './logger.js'
import { mailboxServer, type MailboxServer, type MailboxServerComponents } from './mailbox-server/index.js'
import { MailboxStore, type MailboxStorage } from './mailbox-store/index.js'
import { PgMailboxStore } from './pg-store/index.js'
import { ParleyError } from '../errors.js'
import { PROCESS_GAUGES, RelayMetrics, startMetricsServer, type MetricsServer } from './metrics.js'
import { parseRelayConfig, type RelayConfig, type RelayConfigInput } from './config/index.js'
import { loadOrCreateRelayKey } from './relay-identity.js'
import { relayDiscovery, type RelayDiscovery } from '../net/relay-discovery.js'
import { addressKeys, addressList } from '../net/remote-address.js'
import type { DhtRefusalReason } from '../net/dht-record-store.js'
import { FleetDirectory } from '../net/fleet-directory.js'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { FleetMembership } from './fleet/fleet-member.js'
import { blobs, type Blobs } from '../net/blobs.js'
import { FileBlobStore, type BlobStore } from './blob-store/index.js'
import { ChannelKeeper } from './channel-history/keeper.js'
import type { Channels } from '../net/channels.js'

/** The relay's own services beside Parley's defaults (the mailbox server and circuit relay are typed where they are used). */
interface RelayServices extends Record<string, unknown> {
  relayDiscovery: RelayDiscovery
  blobs: Blobs
}

/** Labels of `parley_relay_db_operations_total` by result. */
const DB_RESULT_LABELS: Record<string, Record<string, string>> = Object.fromEntries(['ok', 'unavailable', 'conflict', 'other'].map((r) => [r, Object.freeze({ result: r })]))

/** One frozen labels object per DHT refusal reason (the metrics render each once). */
const DHT_REFUSAL_LABELS = new Map<DhtRefusalReason, Record<string, string>>()
function dhtRefusalLabels (reason: DhtRefusalReason): Record<string, string> {
  let labels = DHT_REFUSAL_LABELS.get(reason)
  if (labels == null) { labels = Object.freeze({ reason }); DHT_REFUSAL_LABELS.set(reason, labels) }
  return labels
}

/** A running relay. */
export interface Relay {
  readonly peerId: PeerId
  /** Listen addresses, each ending in `/p2p/<peerId>`. */
  readonly multiaddrs: Multiaddr[]
  readonly libp2p: ParleyLibp2p
  readonly config: RelayConfig
  readonly metrics: RelayMetrics
  /** The mailbox storage, whatever its backend (operators' tools and tests). */
  readonly storage: MailboxStorage
  /** The LevelDB mailbox store; throws `ERR_RELAY_CONFIG` for a relay whose mailboxes are in PostgreSQL (use {@link storage}). */
  readonly store: MailboxStore
  /** The blob store: attachments deposited for offline recipients (docs/RELAY.md, "Blobs"). */
  readonly blobStore: BlobStore
  /** The opt-in channel history (`channels.keep` set), for operators' tools and tests. */
  readonly channels: ChannelKeeper | undefined
  /** `host:port` of the metrics/health server, when enabled. */
  readonly metricsAddress: string | undefined
  /** The fleet this relay is a member of (config `fleet.record`), and a way to put its record into the DHT now (also on a timer). */
  readonly fleet: { readonly fleetId: string, publish: (options?: AbortOptions) => Promise<void> } | undefined
  /** Runs the retention/expiry sweep and the inactivity purge now (also runs on a timer). */
  sweep: (options?: AbortOptions) => Promise<{ expired: number, purged: number }>
  /** Graceful stop: refuses new streams, finishes requests in flight, then closes libp2p and flushes the store. */
  stop: () => Promise<void>
}

export interface StartRelayOptions {
  /** Aborting it stops the relay. */
  signal?: AbortSignal
  /** Where the relay logs. @default jsonLogger({ level: config.log.level }) (JSON lines on stderr) */
  logger?: ComponentLogger
  /** Clock, for tests. */
  now?: () => number
}

/**
 * Starts a relay: libp2p (TCP + WebSockets, kad-dht server, circuit-relay-v2 server), the
 * mailbox service on a level database in `dataDir`, the DHT provider announcement, periodic
 * sweeps and the metrics/health HTTP server.
 *
 * @example
 * ```ts
 * const relay = await startRelay({ dataDir: '/tmp/relay', listen: ['/ip4/127.0.0.1/tcp/0'], metrics: { port: 0 } })
 * console.log(relay.multiaddrs.map(String))
 * await relay.stop()
 * ```
 */
export async function startRelay (input: RelayConfigInput | RelayConfig, options: StartRelayOptions = {}): Promise<Relay> {
  const config = parseRelayConfig(input)
  const logger = options.logger ?? jsonLogger({ level: config.log.level })
  const log = logger.forComponent('parley:relay')
  const now = options.now ?? Date.now
  options.signal?.throwIfAborted()

  const tls = config.tls == null ? undefined : await readTlsFiles(config.tls, options)
  if (tls != null && tls.notAfter <= now()) logWarn(log, 'TLS certificate has expired: browsers will refuse the secure WebSockets address', { notAfter: new Date(tls.notAfter).toISOString() })
  else if (tls != null && tls.notAfter - now() < TLS_EXPIRY_WARNING_MS) logWarn(log, 'TLS certificate expires soon: renew it and restart the relay', { notAfter: new Date(tls.notAfter).toISOString() })
  const privateKey = await loadOrCreateRelayKey(config.dataDir, options)
  // a fleet member must be listed in the record it is given: checked before anything starts
  const fleet = config.fleet == null ? undefined : await FleetMembership.load({ path: config.fleet.record, peerId: peerIdFromPrivateKey(privateKey), log: logger.forComponent('parley:relay:fleet'), now }, options)
  // DHT records (other people's public account records) and the peer store stay in memory:
  // a relay's disk holds only its key and the mailboxes. Owners republish records hourly.
  const datastore = new MemoryDatastore()
  const dhtExempt = addressList(config.limits.addressLimitExempt)
  const storeEvents = {
    onUnownedEvicted: (mailboxes: number) => { metrics.inc('parley_relay_evicted_mailboxes_total', {}, mailboxes) },
    onProvisionalEvicted: (mailboxes: number) => { metrics.inc('parley_relay_evicted_provisional_mailboxes_total', {}, mailboxes) },
    onQuery: (ms: number, failure?: string) => {
      metrics.inc('parley_relay_db_operations_total', DB_RESULT_LABELS[failure ?? 'ok'] ?? DB_RESULT_LABELS.other)
      metrics.inc('parley_relay_db_operation_seconds_total', {}, ms / 1000)
    },
    logger
  }
  const store: MailboxStorage = config.store.postgres == null
    ? new MailboxStore(join(config.dataDir, 'mailboxes'), config.limits, storeEvents)
    : new PgMailboxStore({ url: config.store.postgres, limits: config.limits, poolSize: config.store.poolSize, events: storeEvents })
  // a fleet on PostgreSQL keeps blobs in its database, so any member serves what another accepted
  const blobOptions = {
    logger,
    now,
    onStored: (bytes: number) => {
      metrics.inc('parley_relay_blob_deposits_total')
      metrics.inc('parley_relay_blob_deposited_bytes_total', {}, bytes)
    },
    onServed: (bytes: number) => { metrics.inc('parley_relay_blob_served_bytes_total', {}, bytes) },
    onQuotaRefused: (quota: string) => { metrics.inc('parley_relay_blob_quota_refusals_total', { quota }) }
  }
  const blobStore: BlobStore = store instanceof PgMailboxStore
    ? store.blobStore({ ...blobOptions, limits: config.limits })
    : new FileBlobStore(join(config.dataDir, 'blobs'), config.limits, blobOptions)
  let libp2p: Libp2p<ParleyServices & RelayServices> | undefined
  let server: MailboxServer | undefined
  let metricsServer: MetricsServer | undefined
  const tasks: RepeatingTask[] = []
  const shutdown = new AbortController()
  let running = false
  let keeper: ChannelKeeper | undefined
  let stopping: Promise<void> | undefined

  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      running = false
      shutdown.abort()
      for (const task of tasks) task.stop()
      log('relay stopping')
      await metricsServer?.close().catch((err: unknown) => { logWarn(log, 'metrics server close failed', { error: errorText(err) }) })
      keeper?.stop()
      // libp2p stops the mailbox service too: requests in flight finish before connections close
      await Promise.resolve(libp2p?.stop()).catch((err: unknown) => { logWarn(log, 'libp2p stop failed', { error: errorText(err) }) })
      // a sweep cut short by the shutdown signal was logged by its caller
      await sweeping?.catch(() => {})
      await store.close().catch((err: unknown) => { log.error('store close failed', { error: errorText(err) }) })
      await blobStore.close()
      await keeper?.close().catch((err: unknown) => { log.error('channel history close failed', { error: errorText(err) }) })
      log('relay stopped')
    })()
    return stopping
  }

  let sweeping: Promise<{ expired: number, purged: number }> | undefined
  const sweep = async (opts: AbortOptions = {}): Promise<{ expired: number, purged: number }> => {
    if (sweeping != null) return sweeping
    sweeping = (async () => {
      const signal = opts.signal == null ? shutdown.signal : AbortSignal.any([shutdown.signal, opts.signal])
      const t = now()
      const mailboxSweep = async (): Promise<{ expired: number, purged: number, provisional: number }> => {
        const expired = await store.deleteExpired(t, { signal })
        let purged = 0
        const stale: string[] = []
        for await (const [mailbox, owner] of store.owners()) {
          const period = config.sweep.inactivityOverrideMs ?? (owner.inactivityDays > 0 ? owner.inactivityDays : DEFAULT_INACTIVITY_DAYS) * DAY_MS
          if (t - Number(owner.lastAuthAt) > period) stale.push(mailbox)
        }
        for (const mailbox of stale) {
          signal.throwIfAborted()
          await store.purgeMailbox(mailbox, { signal })
          await blobStore.purgeMailbox(mailbox, { signal })
          purged++
        }
        // owned mailboxes nothing was deposited to and never settled (prekeys and a second login) go early
        const provisional = await store.purgeProvisional(t - config.limits.provisionalMailboxMs, { signal })
        return { expired, purged: purged + provisional, provisional }
      }
      // a fleet sweeps its shared database on one member at a time; each member's own blobs below
      const lease = store.sweepExclusively != null ? await store.sweepExclusively(mailboxSweep, { signal }) : { ran: true as const, result: await mailboxSweep() }
      if (!lease.ran) log.trace('mailbox sweep skipped: another fleet member is sweeping the database')
      const { expired, purged, provisional } = lease.ran ? lease.result : { expired: 0, purged: 0, provisional: 0 }
      if (provisional > 0) metrics.inc('parley_relay_purged_provisional_mailboxes_total', {}, provisional)
      if (expired > 0) metrics.inc('parley_relay_expired_envelopes_total', {}, expired)
      const expiredBlobs = await blobStore.deleteExpired(t, { signal })
      if (expiredBlobs > 0) metrics.inc('parley_relay_expired_blobs_total', {}, expiredBlobs)
      // channel history past its retention goes too, not only when a channel's next post arrives
      await keeper?.history.sweep({ signal }).catch((err: unknown) => {
        if (signal.aborted) throw err
        log.error('channel history sweep failed', { error: errorText(err) })
      })
      if (purged > 0) metrics.inc('parley_relay_purged_mailboxes_total', {}, purged)
      if (expired > 0 || purged > 0) log('sweep', { expired, purged })
      return { expired, purged }
    })()
    try { return await sweeping } finally { sweeping = undefined }
  }

  const metrics = new RelayMetrics({
    parley_relay_mailboxes: () => store.gauges().mailboxes,
    parley_relay_unowned_mailboxes: () => store.gauges().unownedMailboxes,
    parley_relay_provisional_mailboxes: () => store.gauges().provisionalMailboxes,
    parley_relay_stored_envelopes: () => store.gauges().totalEnvelopes,
    parley_relay_stored_bytes: () => store.gauges().totalBytes,
    parley_relay_db_up: () => store.health().ok ? 1 : 0,
    ...(store instanceof PgMailboxStore
      ? {
          parley_relay_db_pool_size: () => store.poolSize,
          parley_relay_db_pool_connections: () => store.poolStats().open,
          parley_relay_db_pool_idle: () => store.poolStats().idle,
          parley_relay_db_pool_waiting: () => store.poolStats().waiting,
          parley_relay_db_listening: () => store.poolStats().listening ? 1 : 0
        }
      : {}),
    parley_relay_reservations: () => (libp2p?.services.relay as CircuitRelayService | undefined)?.reservations.size ?? 0,
    parley_relay_connections: () => libp2p?.getConnections().length ?? 0,
    parley_relay_mailbox_streams: () => server?.openStreams ?? 0,
    parley_relay_subscribers: () => server?.subscriberCount ?? 0,
    parley_relay_blobs: () => blobStore.blobCount,
    parley_relay_blob_bytes: () => blobStore.totalBytes,
    parley_relay_blob_streams: () => libp2p?.services.blobs.openStreams ?? 0,
    parley_relay_dht_records: () => libp2p?.services.dhtRecords.recordCount ?? 0,
    parley_relay_dht_record_bytes: () => libp2p?.services.dhtRecords.recordBytes ?? 0,
    ...(config.channels.keep === 'all' || config.channels.keep.length > 0 ? { parley_relay_channels: () => keeper?.history.gauges().channels ?? 0, parley_relay_channel_bytes: () => keeper?.history.gauges().bytes ?? 0 } : {}),
    ...(tls != null ? { parley_relay_tls_certificate_expiry_seconds: () => Math.floor(tls.notAfter / 1000) } : {}),
    ...(fleet != null ? { parley_relay_fleet_record_expiry_seconds: () => fleet.expiresAtSeconds } : {}),
    ...PROCESS_GAUGES
  })

  // one host's share of maxConnections: throwaway PeerIds cost nothing to make
  const connectionGater = new AddressConnectionGater({
    maxConnectionsPerAddress: config.limits.maxConnectionsPerAddress,
    maxConnectionsPerNetwork: config.limits.maxConnectionsPerAddress * NETWORK_SLOT_FACTOR,
    exempt: addressList(config.limits.addressLimitExempt)
  }, metrics, logger)

  try {
    await store.open()
    await blobStore.open(options)
    if (config.channels.keep === 'all' || config.channels.keep.length > 0) {
      // a fleet on PostgreSQL keeps channel history in its database, so every member answers alike
      const shared = store instanceof PgMailboxStore ? store : undefined
      keeper = await ChannelKeeper.open({ dataDir: config.dataDir, config: config.channels, logger, now, ...(shared != null ? { shared: async (onStored) => await shared.channelHistory({ config: config.channels, now, onStored }) } : {}) })
    }
    libp2p = await createParleyLibp2p<RelayServices>({
      privateKey,
      datastore,
      listen: config.listen,
      announce: config.announce,
      // browsers reach a relay over WebSockets; a WebRTC connection would carry no IP to rate-limit by
      webrtc: false,
      dhtClientMode: false,
      manyPeersPerAddress: config.manyPeersPerAddress,
      ...(tls != null ? { webSocketsTls: { cert: tls.cert, key: tls.key } } : {}),
      maxConnections: config.maxConnections,
      // many clients reconnect at once after a relay restart: let them all through the handshake
      maxIncomingPendingConnections: RELAY_MAX_PENDING_CONNECTIONS,
      connectionGater: connectionGater.gater(),
      dhtRecordLimits: {
        maxRecords: config.limits.dhtMaxRecords,
        maxRecordBytes: config.limits.dhtMaxRecordBytes,
        maxRecordsPerAddress: config.limits.dhtMaxRecordsPerAddress,
        maxRecordBytesPerAddress: config.limits.dhtMaxRecordBytesPerAddress,
        putRate: config.limits.dhtPutRate,
        putRatePerAddress: config.limits.dhtPutRatePerAddress
      },
      dhtAddressKeys: (remoteAddr) => addressKeys(remoteAddr, dhtExempt),
      ...(fleet != null ? { ownDhtKeys: [fleet.dhtKey] } : {}),
      onDhtRefusal: (reason) => { metrics.inc('parley_relay_dht_refusals_total', dhtRefusalLabels(reason)) },
      onDhtPruned: (count) => { metrics.inc('parley_relay_dht_pruned_records_total', {}, count) },
      extraServices: {
        relay: circuitRelayServer({ reservations: { maxReservations: config.maxReservations } }),
        // the relay announces itself in the DHT through it (provides the relay key)
        relayDiscovery: relayDiscovery({ timeoutMs: PROVIDE_TIMEOUT_MS }),
        // attachments for offline recipients: /parley/blob/1.0.0 over the blob store
        blobs: blobs({
          provider: blobStore,
          peerRate: config.limits.blobRequestRate,
          addressRate: config.limits.blobRequestRatePerAddress,
          addressKeys: (remoteAddr) => addressKeys(remoteAddr, dhtExempt),
          maxStreamsPerAddress: config.limits.blobMaxStreamsPerAddress,
          uploadIdleMs: config.limits.blobUploadIdleMs,
          uploadGraceMs: config.limits.blobUploadGraceMs,
          uploadMinBytesPerSecond: config.limits.blobUploadMinBytesPerSecond
        }),
        // libp2p starts it with the node and stops it before the connections close
        mailbox: (components: MailboxServerComponents) => {
          server = mailboxServer({ store, metrics, limits: config.limits, now })({ registrar: components.registrar, peerId: components.peerId, logger })
          return server
        },
        // opt-in channel history: gossip of kept channels and /parley/channel-history
        ...(keeper != null ? { channels: keeper.serviceFactory() } : {})
      }
    })
    libp2p.services.blobs.addEventListener('protocol-error', (evt) => { metrics.inc('parley_relay_blob_refusals_total', { code: evt.detail.code }) })
    if (libp2p.status !== 'started') await libp2p.start()
    if (keeper != null) keeper.start((libp2p.services as unknown as { channels: Channels }).channels)
    running = true
    if (config.metrics.enabled) {
      metricsServer = await startMetricsServer(metrics, {
        host: config.metrics.host,
        port: config.metrics.port,
        // a relay whose database is out of reach refuses deposits: unhealthy until it is back
        healthy: () => running && libp2p?.status === 'started' && store.health().ok,
        details: () => { const h = store.health(); return [`database: ${h.backend} ${h.ok ? 'up' : `down${h.error != null ? ` (${h.error})` : ''}`}`] }
      })
    }
  } catch (err) {
    await stop()
    throw err
  }
  const node = libp2p

  // join the DHT, then announce; both retried on their timers, never fatal
  const announce = async (opts: AbortOptions = {}): Promise<void> => {
    if (!config.provide.enabled || !running) return
    try {
      await node.services.relayDiscovery.provide({ signal: opts.signal ?? AbortSignal.any([shutdown.signal, AbortSignal.timeout(PROVIDE_TIMEOUT_MS)]) })
      log.trace('provided relay key')
    } catch (err) {
      if (running) log.trace('provide failed', { error: errorText(err) })
    }
  }
  const fleets = new FleetDirectory(node, { log: logger.forComponent('parley:relay:fleet') })
  const publishFleet = async (opts: AbortOptions = {}): Promise<void> => {
    if (fleet == null || !running) return
    try {
      await fleet.publish(fleets, { signal: opts.signal ?? AbortSignal.any([shutdown.signal, AbortSignal.timeout(PROVIDE_TIMEOUT_MS)]) })
      log.trace('published the fleet record')
    } catch (err) {
      if (running) logWarn(log, 'fleet record publication failed', { error: errorText(err) })
    }
  }
  if (fleet != null && config.fleet != null) tasks.push(repeatingTask(publishFleet, config.fleet.republishIntervalMs, { timeout: PROVIDE_TIMEOUT_MS }))
  void Promise.allSettled(config.bootstrap.map(async (addr) => node.dial(multiaddr(addr), { signal: AbortSignal.any([shutdown.signal, AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS)]) })))
    .then(async (dials) => {
      for (const dial of dials) if (dial.status === 'rejected') log.trace('bootstrap dial failed', { error: errorText(dial.reason) })
      await announce()
      await publishFleet()
    })
  // repeatingTask: the next run is scheduled once the last one ended (a sweep never overlaps
  // itself); its timers are not unref'd, but stop() clears them and the relay's listeners keep
  // the process alive anyway
  tasks.push(
    repeatingTask(announce, config.provide.intervalMs, { timeout: PROVIDE_TIMEOUT_MS }),
    repeatingTask(async () => {
      await sweep().catch((err: unknown) => { if (running) logWarn(log, 'sweep failed', { error: errorText(err) }) })
    }, config.sweep.intervalMs)
  )
  for (const task of tasks) task.start()
  options.signal?.addEventListener('abort', () => { void stop() }, { once: true })

  const multiaddrs = node.getMultiaddrs()
  log('relay started', { ...(fleet != null ? { fleet: fleet.fleetId } : {}), peerId: node.peerId.toString(), addrs: multiaddrs.map(String).join(' '), metrics: metricsServer?.address ?? 'off', store: store.backend })
  return {
    peerId: node.peerId,
    get multiaddrs () { return node.getMultiaddrs() },
    libp2p: node,
    config,
    metrics,
    storage: store,
    get store () {
      if (store instanceof MailboxStore) return store
      throw new ParleyError('This relay keeps its mailboxes in PostgreSQL: use relay.storage', 'ERR_RELAY_CONFIG')
    },
    blobStore,
    channels: keeper,
    metricsAddress: metricsServer?.address,
    fleet: fleet == null ? undefined : { fleetId: fleet.fleetId, publish: async (opts) => { await fleet.publish(fleets, opts) } },
    sweep,
    stop
  }
}
