import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { deviceSessionKeys } from '../device/session-keys.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { AttachmentComponents, BlobSource } from '../messenger/attachments/components.js'
import type { Events, MessengerComponents } from '../messenger/components.js'
import { RELAY_TAG_VALUE } from '../messenger/constants.js'
import { Blobs } from '../net/blobs.js'
import type { BlobProvider } from '../net/blob-provider.js'
import { peerIdFromBytes } from '../net/peer-ids.js'
import type { LocalBlobs } from '../messenger/attachments/components.js'
import { E2ESessions } from '../messenger/sessions/e2e-sessions.js'
import { AnonymousDepositor } from '../net/anonymous-depositor.js'
import { Envelope } from '../net/envelope-codec.js'
import { MailboxClient, type MailboxOwnerCredentials } from '../net/mailbox-client.js'
import { relayProviderCid } from '../net/relay-discovery.js'
import { canDialDirectly, createEphemeralNode, reachableOnlyViaRelays } from '../p2p/index.js'
import type { Store } from '../store/index.js'
import { withFleets } from './fleet-components.js'
import { channelTransport } from './channel-transport.js'
import type { ParleyNode } from './parley-node.js'

/** The connection-manager tag of this device's configured relays. */
const RELAY_TAG = 'parley-relay'

/** The PeerId named by a multiaddr's last `/p2p/`, if any. */
function peerOf (address: string): PeerId | undefined {
  try {
    const id = multiaddr(address).getComponents().findLast((c) => c.name === 'p2p')?.value
    return id == null ? undefined : peerIdFromString(id)
  } catch {
    return undefined // not a multiaddr with a peer id: no such peer to ask about
  }
}

/** What the messenger's components are built from: an opened node and its store, and how the throwaway depositor nodes may dial. */
export interface MessengerComponentsInit {
  node: ParleyNode
  store: Store
  /** Let the anonymous depositor dial private/loopback addresses (tests, LANs). */
  allowPrivateAddresses?: boolean
  /** Clock, for tests of timers. */
  now?: () => number
  /** This device's attachment files (`openHomeMessenger` gives `<home>/blobs`; a browser, IndexedDB); none: no attachments. */
  blobs?: DeviceBlobs
}

/** A device's blob storage: its blobs, and what `/parley/blob/1.0.0` serves of them (Node: `FileBlobs`; browsers: `IdbBlobs`). */
export interface DeviceBlobs extends LocalBlobs {
  provider: () => BlobProvider
}

/** The attachments' components: the device's files, served and fetched over `/parley/blob/1.0.0`. */
function attachmentComponents (node: ParleyNode, blobs: DeviceBlobs): AttachmentComponents {
  const libp2p = node.libp2p
  let service: Blobs | undefined
  const provider: BlobProvider = blobs.provider()
  // created here rather than among the node's services: the blob code stays out of the browser's first load
  const blobService = (): Blobs => (service ??= new Blobs({
    registrar: libp2p,
    connectionManager: { openStream: libp2p.dialProtocol.bind(libp2p) },
    logger: libp2p.logger
  }, { provider }))
  // a relay is dialled by its address first (its PeerId alone may not be in the peer store)
  const peerOf = async (source: BlobSource, options?: AbortOptions): Promise<PeerId> => {
    if (typeof source !== 'string') return peerIdFromBytes(source)
    const conn = await libp2p.dial(multiaddr(source), options)
    return conn.remotePeer
  }
  return {
    local: blobs,
    transfer: {
      deposit: async (relay, input, readPiece, options) => { await blobService().deposit(await peerOf(relay, options), input, readPiece, options) },
      deleteAt: async (relay, digest, token, options) => { await blobService().delete(await peerOf(relay, options), digest, token, options) },
      fetchManifest: async (peer, digest, max, options) => blobService().fetchManifest(await peerOf(peer, options), digest, max, options),
      fetchPieces: async function * (peer, digest, manifest, from, options) { yield * blobService().fetchPieces(await peerOf(peer, options), digest, manifest, from, options) },
      start: async () => { await blobService().start() },
      stop: async () => { await service?.stop() }
    }
  }
}

/**
 * Builds the messenger's narrow components from a `ParleyNode` and its store: the one place
 * where the chat domain meets libp2p, the device keys and the relay discovery key. Signing goes
 * through the device's signer and sessions through the device's `SessionKeys`; the secret key
 * bytes the net/ clients still take (mailbox owner credentials) stay on this side of `src/messenger/`.
 */
export function messengerComponents (init: MessengerComponentsInit, events: Events): MessengerComponents {
  const { node, store } = init
  const libp2p = node.libp2p
  const logger = libp2p.logger
  const log = logger.forComponent('parley:messenger:node')
  const depositor = new AnonymousDepositor({
    logger,
    createEphemeralNode: async (options) => createEphemeralNode({ ...options, allowPrivateAddresses: init.allowPrivateAddresses })
  })
  let mailboxClient: MailboxClient | undefined
  const client = (): MailboxClient => (mailboxClient ??= new MailboxClient(libp2p))
  const owner = (record = node.ownAccountRecord()): MailboxOwnerCredentials => {
    if (record == null) throw new Error('No signed account record yet')
    return { device: { secretKey: node.identity.device.signing.privateKey, publicKey: node.identity.device.signing.publicKey }, accountRecord: record }
  }

  const components: MessengerComponents = {
    signer: node.signer,
    accountRecords: {
      get address () { return node.address },
      get accountKey () { return node.accountKey },
      ownRecord: () => node.ownAccountRecord(),
      ownBody: () => node.ownRecordBody(),
      sign: async (changes = {}) => node.signAccountRecord(changes),
      refresh: async (options) => node.refreshOwnRecord(options),
      adopt: async (record) => { await node.adoptOwnRecord(record) },
      publish: async (options) => { await node.publishAccountRecord(options) },
      publishRecord: async (record, options) => { await node.directory.publish(record, options) }
    },
    directory: {
      lookup: async (address, options) => node.lookupAccount(address, options)
    },
    envelopes: {
      // the node builds the envelope from its fields: the same fields (and createdAt) give the same bytes
      send: async (device, bytes, options) => {
        const envelope = Envelope.decode(bytes)
        await node.sendEnvelope(device, { payload: envelope.payload, id: envelope.id, expiresAt: Number(envelope.expiresAt), flags: envelope.flags, createdAt: Number(envelope.createdAt) }, options)
      },
      setHandler: (handler) => { node.setEnvelopeHandler(handler == null ? undefined : async ({ envelope }) => { await handler(envelope) }) }
    },
    mailboxes: {
      subscribe: async (relay, onEnvelope, options) => client().subscribe(relay, owner(), onEnvelope, options),
      drain: async (relay, handle, options) => client().drain(relay, owner(), handle, options),
      drainPages: async (relay, handlePage, options) => client().drainPages(relay, owner(), handlePage, options),
      ack: async (relay, ids, options) => { await client().ack(relay, owner(), ids, options) },
      uploadPrekeys: async (relay, oneTime, options) => { await client().uploadPrekeys(relay, owner(), { oneTime, replace: true }, options) },
      purge: async (relays, tombstone, options) => {
        // a fresh client: existing streams are already authenticated with the old record
        const purger = new MailboxClient(libp2p)
        await Promise.all(relays.map(async (relay) => purger.fetch(relay, owner(tombstone), { ...options, limit: 1 }).catch((err: unknown) => {
          log('could not purge the mailbox at %s - %e', relay, err)
        })))
        await purger.stop()
      },
      stop: async () => {
        const stopping = mailboxClient
        mailboxClient = undefined
        await stopping?.stop()
      }
    },
    depositor: {
      depositToAll: async (relays, bytes, options) => depositor.depositToAll(relays, Envelope.decode(bytes), options),
      takePrekey: async (relays, deviceKey, options) => depositor.takePrekey(relays, deviceKey, options),
      stop: async () => { await depositor.stop() }
    },
    relayDiscovery: {
      find: async (count, options = {}) => {
        // discovered through the DHT: relays provide a well-known key
        const found: string[] = []
        try {
          for await (const provider of libp2p.contentRouting.findProviders(await relayProviderCid(), options)) {
            const addr = provider.multiaddrs.find((ma) => !ma.toString().includes('/p2p-circuit'))
            if (addr == null) continue
            found.push(`${addr.toString()}/p2p/${provider.id.toString()}`)
            if (found.length >= count) break
          }
        } catch (err) {
          log('relay search ended with %d found - %e', found.length, err)
        }
        return found
      }
    },
    network: {
      get peerId () { return node.peerId.toString() },
      multiaddrs: () => node.multiaddrs.map(String),
      peerCount: () => libp2p.getPeers().length,
      dhtTableSize: () => (libp2p.services.dht as unknown as { routingTable?: { size: number } }).routingTable?.size ?? 0,
      start: async (options) => { await node.start(options) },
      dial: async (address, options) => { await libp2p.dial(multiaddr(address), options) },
      onPeerConnect: (handler) => {
        const listener = (): void => { handler() }
        libp2p.addEventListener('peer:connect', listener)
        return () => { libp2p.removeEventListener('peer:connect', listener) }
      },
      peerAddresses: async (address, options) => {
        const peer = peerOf(address)
        const connection = peer == null ? undefined : libp2p.getConnections(peer).find((c) => c.status === 'open' && c.limits == null)
        if (connection == null) return []
        const result = await libp2p.services.identify.identify(connection, options)
        return result.listenAddrs.map(String)
      },
      canDial: (address) => {
        try { return canDialDirectly(multiaddr(address)) } catch { return false }
      },
      isConnected: (address) => {
        const peer = peerOf(address)
        return peer != null && libp2p.getConnections(peer).some((c) => c.status === 'open')
      },
      reachableOnlyViaRelays,
      reservations: () => node.multiaddrs.filter((ma) => ma.getComponents().some((c) => c.name === 'p2p-circuit')).length,
      onChange: (handler) => {
        const listener = (): void => { handler() }
        const types = ['peer:connect', 'peer:disconnect', 'self:peer:update'] as const
        for (const type of types) libp2p.addEventListener(type, listener)
        return () => { for (const type of types) libp2p.removeEventListener(type, listener) }
      },
      protect: async (address) => {
        const peer = peerOf(address)
        if (peer != null) await libp2p.peerStore.merge(peer, { multiaddrs: [multiaddr(address)], tags: { [RELAY_TAG]: { value: RELAY_TAG_VALUE } } })
      }
    },
    device: {
      // the account is deleted or self-destructs: offline (the store left open), then wiped; a
      // device being wiped is wiped even when its node would not stop cleanly
      wipe: async () => {
        await node.goOffline().catch((err: unknown) => { log.error('could not stop the node before wiping - %e', err) })
        await store.wipe()
      }
    },
    deviceLinks: {
      // the device-link service: the messenger's codes are withdrawn when it stops
      createCode: async (ttlMs) => libp2p.services.deviceLink.createCode(ttlMs),
      stop: async () => { await libp2p.services.deviceLink.withdraw() },
      setConfirmHandler: (handler) => { libp2p.services.deviceLink.setConfirmHandler(handler) },
      setHistorySource: (source) => { libp2p.services.deviceLink.setHistorySource(source) },
      setLinkedHandler: (handler) => { libp2p.services.deviceLink.setLinkedHandler(handler) },
      setHistoryHandlers: (handlers) => { libp2p.services.deviceLink.setHistoryHandlers(handlers) }
    },
    sessions: new E2ESessions(store, node.backend, deviceSessionKeys(node.identity, node.prekeys, node.backend)),
    prekeys: {
      consume: async (ids) => { await node.prekeys.consume(ids) },
      generateOneTime: async (count) => node.prekeys.generateOneTime(count)
    },
    store,
    events,
    logger,
    clock: { now: init.now ?? Date.now },
    ...(init.blobs !== undefined ? { attachments: attachmentComponents(node, init.blobs) } : {}),
    channels: channelTransport(libp2p.services.channels)
  }
  // a relay may be a fleet (`fleet:<id>`): each call goes to one live member
  const { mailboxes, depositor: fleetDepositor } = withFleets(components.mailboxes, components.depositor, {
    libp2p, store, log: logger.forComponent('parley:fleets'), deviceKey: node.identity.device.signing.publicKey
  })
  return { ...components, mailboxes, depositor: fleetDepositor }
}
