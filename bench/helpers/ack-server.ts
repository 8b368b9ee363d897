/**
 * The relay suite's reference: a plain libp2p node (TCP, Noise, yamux — the relay's stack) in
 * its own process that answers every length-prefixed frame on `/parley-bench/ack/1.0.0` with a
 * 16-byte ack frame, with the same framing helpers the mailbox protocol uses and nothing else
 * (no decoding, no checks, no storage). Prints its multiaddr on stdout; stops on SIGTERM or
 * SIGINT, and when its stdin closes (the benchmark that started it is gone, even by SIGKILL).
 */
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { FrameReader, encodeFrame } from '../../src/net/stream/frame-reader.js'
import { CoalescingFrameWriter } from '../../src/net/stream/frame-writer.js'

export const ACK_PROTOCOL = '/parley-bench/ack/1.0.0'

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: { maxConnections: 1000, maxIncomingPendingConnections: 256, inboundConnectionThreshold: 10_000 },
  connectionGater: { denyDialMultiaddr: async () => false }
})
const ack = encodeFrame(new Uint8Array(16))
await node.handle(ACK_PROTOCOL, async (stream) => {
  const reader = new FrameReader(stream, { maxFrameBytes: 64 * 1024 })
  const writer = new CoalescingFrameWriter(stream, { writeTimeoutMs: 30_000 })
  try {
    while ((await reader.next({ idleTimeoutMs: 60_000 })) != null) writer.write(ack).catch((err: unknown) => { stream.abort(err as Error) })
    await stream.close({ signal: AbortSignal.timeout(10_000) })
  } catch (err) {
    // the client reset the stream or went idle: nothing to answer any more
    stream.abort(err as Error)
  }
}, { maxInboundStreams: 64 })
const stop = (): void => { void Promise.resolve(node.stop()).finally(() => process.exit(0)) }
// handlers before the address: whoever reads it may send SIGTERM at once
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
console.log(node.getMultiaddrs()[0].toString())
process.stdin.on('end', stop)
process.stdin.resume()
