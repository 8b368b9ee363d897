import { join } from 'node:path'
import * as fc from 'fast-check'
import { decodeAck, ENVELOPE_PROTOCOL, MAX_ACK_FRAME_BYTES } from '../../../src/net/envelope-codec.js'
import { encodeFrame } from '../../../src/net/stream/frame-reader.js'
import type { ParleyNode } from '../../../src/node/parley-node.js'
import { startTestNode, tempDir, waitFor } from '../../helpers/network.js'
import { envelopeBytes } from '../arbitraries.js'
import { hostileBytes, hostileChunks } from '../mutate.js'
import { hostileStream } from '../streams.js'
import type { FuzzTarget } from '../target.js'

const READ_MS = 150

/**
 * `/parley/msg/1.0.0` on a real device node over loopback: hostile frames (mutated envelopes,
 * raw bytes, lying length prefixes). Every answer must be an Ack; afterwards the attacker's
 * streams are all released and an honest node's envelope is acked OK.
 */
const target: FuzzTarget<{ chunks: Uint8Array[], closeWrite: boolean }> = {
  name: 'envelope-stream',
  covers: '/parley/msg/1.0.0 handler of a real node (src/net/envelope-server.ts)',
  input: fc.record({ chunks: hostileChunks(hostileBytes(envelopeBytes), encodeFrame), closeWrite: fc.boolean() }),
  runs: 100,
  runTimeoutMs: 10_000,
  open: async () => {
    const dir = await tempDir('parley-fuzz-node-')
    const nodes: ParleyNode[] = []
    try {
      const server = await startTestNode(join(dir.path, 't'), { envelopeLimits: { frameTimeoutMs: 300, maxFrameBytes: 64 * 1024 } })
      nodes.push(server)
      const attacker = await startTestNode(join(dir.path, 'x'))
      nodes.push(attacker)
      let answers = 0
      return {
        run: async ({ chunks, closeWrite }, options) => {
          answers += await hostileStream({
            open: async (o) => attacker.libp2p.dialProtocol(server.multiaddrs[0], ENVELOPE_PROTOCOL, o),
            chunks,
            closeWrite,
            maxAnswerBytes: MAX_ACK_FRAME_BYTES,
            checkAnswer: (frame) => { decodeAck(frame) },
            readMs: READ_MS,
            ...options
          })
        },
        healthy: async (options) => {
          if (answers === 0) throw new Error('the node answered no hostile envelope: the target does not reach the handler')
          await waitFor(() => server.libp2p.services.envelopes.openStreams(attacker.peerId) === 0, 15_000, 'every hostile envelope stream released')
          const honest = await startTestNode(join(dir.path, 'h'), { bootstrap: [server.multiaddrs[0].toString()] })
          nodes.push(honest)
          const ack = await honest.sendEnvelope(server.deviceEntry(), { payload: new Uint8Array([42]) }, options)
          if (ack.status !== 'OK') throw new Error(`honest envelope answered ${ack.status} ${ack.code}`)
        },
        close: async () => {
          await Promise.allSettled(nodes.map(async (n) => n.stop()))
          await dir.cleanup()
        }
      }
    } catch (err) {
      await Promise.allSettled(nodes.map(async (n) => n.stop()))
      await dir.cleanup()
      throw err
    }
  }
}
export default target
