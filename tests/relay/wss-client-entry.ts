/**
 * Child-process entry for the secure-WebSockets test: `tsx tests/relay/wss-client-entry.ts
 * <relay /tls/ws multiaddr> <recipient device key hex>`. Deposits one envelope over WebSockets
 * only (no TCP), prints `deposited <remote address>` or `failed <code> <message>`, and exits.
 * TLS trust comes from the environment (NODE_EXTRA_CA_CERTS), as for any Node client.
 */
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { makeEnvelope } from './helpers.js'

const [address, recipientHex] = process.argv.slice(2)
const node = await createLibp2p({
  addresses: { listen: [] },
  transports: [webSockets()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify() }
})
const client = new MailboxClient(node, { dialTimeoutMs: 10_000 })
try {
  await client.deposit(multiaddr(address), makeEnvelope(Uint8Array.from(Buffer.from(recipientHex, 'hex'))))
  console.log(`deposited ${node.getConnections().map((c) => c.remoteAddr.toString()).join(' ')}`)
} catch (err) {
  const cause = (err as { cause?: { message?: string } }).cause?.message ?? ''
  console.log(`failed ${(err as { code?: string }).code ?? ''} ${(err as Error).message} ${cause}`)
} finally {
  await client.stop()
  await node.stop()
}
