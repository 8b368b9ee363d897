import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { createLibp2p } from 'libp2p'
import { afterAll } from 'vitest'
import { ACCOUNT_RECORD_VERSION, signAccountRecord, signDeviceEntry } from '../../src/identity/account-record.js'
import { generateAccountKeys, generateDeviceKeys, peerIdBytesFromEd25519, type SigningKeyPair } from '../../src/identity/keys.js'
import type { Envelope } from '../../src/net/envelope-codec.js'
import type { MailboxOwnerCredentials } from '../../src/net/mailbox-client.js'
import { startRelay, type Relay } from '../../src/relay/relay.js'
import type { RelayConfigInput } from '../../src/relay/config/index.js'
import { silentLogger } from '../../src/relay/logger.js'
import { startPostgres, type TestPostgres } from '../helpers/postgres.js'
import { freshDatabase } from '../helpers/storage-backends.js'

export interface TestOwner extends MailboxOwnerCredentials {
  device: SigningKeyPair
  account: SigningKeyPair
  deviceKey: Uint8Array
}

/** A fresh account with one device and a signed record listing it. */
export function makeOwner (options: { inactivityDays?: number, deleted?: boolean } = {}): TestOwner {
  const account = generateAccountKeys().account
  const deviceKeys = generateDeviceKeys()
  const entry = signDeviceEntry(account.publicKey, {
    peerId: peerIdBytesFromEd25519(randomBytes(32)),
    deviceKey: deviceKeys.device.publicKey,
    identityDhKey: deviceKeys.identityDh.publicKey,
    addedAt: 0n
  }, deviceKeys.device)
  const now = Date.now()
  const accountRecord = signAccountRecord({
    version: ACCOUNT_RECORD_VERSION,
    accountKey: account.publicKey,
    sequence: BigInt(now),
    issuedAt: BigInt(now),
    expiresAt: BigInt(now + 86_400_000),
    inactivityDays: options.inactivityDays ?? 30,
    devices: [entry],
    relays: [],
    deleted: options.deleted ?? false,
    removedDevices: []
  }, account)
  return { device: deviceKeys.device, account, deviceKey: deviceKeys.device.publicKey, accountRecord }
}

export function makeEnvelope (recipient: Uint8Array, init: Partial<Envelope> = {}): Envelope {
  return {
    version: 1,
    id: randomBytes(16),
    recipientDevice: recipient,
    payload: init.payload ?? randomBytes(200),
    createdAt: BigInt(Date.now()),
    expiresAt: 0n,
    flags: 0,
    ...init
  }
}

/**
 * `PARLEY_TEST_RELAY_STORE=postgres`: every relay {@link startTestRelay} starts without a `store`
 * of its own gets a fresh database on a PostgreSQL server of the test file's (started at the
 * first such relay, stopped after the file), so the relay suites run against the PostgreSQL
 * backend too. Tests that read the LevelDB store directly (`relay.store`) stay LevelDB-only.
 */
const RELAY_STORE = process.env.PARLEY_TEST_RELAY_STORE === 'postgres' ? 'postgres' : 'leveldb'
let server: Promise<TestPostgres> | undefined
if (RELAY_STORE === 'postgres') {
  afterAll(async () => {
    const started = server
    server = undefined
    databases.clear()
    await (await started)?.destroy()
  })
}

/** Database URL per data directory: a relay started again on the same directory finds its mailboxes, as with LevelDB. */
const databases = new Map<string, Promise<string>>()

async function testStore (dataDir: string, config: RelayConfigInput): Promise<RelayConfigInput['store']> {
  if (RELAY_STORE !== 'postgres' || config.store != null) return config.store
  const pg = server ??= startPostgres()
  let url = databases.get(dataDir)
  if (url == null) {
    url = (async () => await freshDatabase(await pg))()
    databases.set(dataDir, url)
  }
  return { postgres: await url }
}

/** A relay on 127.0.0.1 with quiet logs, metrics on an ephemeral port and no DHT provide loop. */
export async function startTestRelay (dataDir: string, config: RelayConfigInput = {}): Promise<Relay> {
  const store = await testStore(dataDir, config)
  return startRelay({
    dataDir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    manyPeersPerAddress: true,
    metrics: { enabled: true, host: '127.0.0.1', port: 0 },
    provide: { enabled: false },
    log: { level: 'silent' },
    ...config,
    ...(store != null ? { store } : {})
  }, { logger: silentLogger })
}

/** A bare libp2p client (TCP, no listeners) to run MailboxClient over. */
export async function startClient (): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}

/** Hex of bytes (Buffer or Uint8Array alike), for comparisons. */
export function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/** A raw `/parley/mailbox/1.0.0` stream for crafting hostile input. */
export class RawMailboxStream {
  private nextId = 1n
  private constructor (readonly stream: import('@libp2p/interface').Stream, private readonly reader: import('../../src/net/stream/frame-reader.js').FrameReader) {}

  static async open (client: Libp2p, relay: Relay): Promise<RawMailboxStream> {
    const { FrameReader } = await import('../../src/net/stream/frame-reader.js')
    const { MAILBOX_PROTOCOL } = await import('../../src/net/mailbox-codec.js')
    const stream = await client.dialProtocol(relay.multiaddrs[0], MAILBOX_PROTOCOL)
    return new RawMailboxStream(stream, new FrameReader(stream, { maxFrameBytes: 4 * 1024 * 1024 }))
  }

  /** Sends a request and returns the next response. */
  async request (body: Omit<import('../../src/net/mailbox-codec.js').MailboxRequest, 'requestId'>): Promise<import('../../src/net/mailbox-codec.js').MailboxResponse> {
    const { encodeFrame } = await import('../../src/net/stream/frame-reader.js')
    const { MailboxRequest } = await import('../../src/net/mailbox-codec.js')
    this.stream.send(encodeFrame(MailboxRequest.encode({ requestId: this.nextId++, ...body })))
    return this.response()
  }

  async response (): Promise<import('../../src/net/mailbox-codec.js').MailboxResponse> {
    const { MailboxResponse } = await import('../../src/net/mailbox-codec.js')
    const frame = await this.reader.next({ signal: AbortSignal.timeout(5000) })
    if (frame == null) throw new Error('stream ended')
    return MailboxResponse.decode(frame)
  }

  async next (signal = AbortSignal.timeout(5000)): Promise<Uint8Array | null> {
    return this.reader.next({ signal })
  }
}
