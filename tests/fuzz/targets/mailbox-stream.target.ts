import type { Libp2p } from '@libp2p/interface'
import * as fc from 'fast-check'
import { decodeMailboxResponse, MAILBOX_PROTOCOL, MAX_MAILBOX_RESPONSE_BYTES } from '../../../src/net/mailbox-codec.js'
import { MailboxClient } from '../../../src/net/mailbox-client.js'
import { encodeFrame } from '../../../src/net/stream/frame-reader.js'
import type { Relay } from '../../../src/relay/relay.js'
import { tempDir, waitFor } from '../../helpers/network.js'
import { hex, makeEnvelope, makeOwner, startClient, startTestRelay } from '../../relay/helpers.js'
import { mailboxRequestBytes } from '../arbitraries.js'
import { hostileBytes, hostileChunks } from '../mutate.js'
import { hostileStream } from '../streams.js'
import type { FuzzTarget } from '../target.js'

const READ_MS = 150

function gauge (relay: Relay, name: string): number {
  const line = relay.metrics.render().split('\n').find((l) => l.startsWith(name + ' '))
  return Number(line?.split(' ')[1])
}

/**
 * `/parley/mailbox/1.0.0` on a real relay over loopback: hostile frames (mutated requests of
 * every kind, raw bytes, lying length prefixes) from one attacker. Every answer must be a
 * MailboxResponse; afterwards every stream is released and an honest sender and owner still
 * deposit, fetch and ack.
 */
const target: FuzzTarget<{ chunks: Uint8Array[], closeWrite: boolean }> = {
  name: 'mailbox-stream',
  covers: '/parley/mailbox/1.0.0 handler of a real relay (src/relay/mailbox-server/)',
  input: fc.record({ chunks: hostileChunks(hostileBytes(mailboxRequestBytes), encodeFrame), closeWrite: fc.boolean() }),
  runs: 60,
  runTimeoutMs: 10_000,
  open: async () => {
    const dir = await tempDir('parley-fuzz-relay-')
    const clients: Libp2p[] = []
    let relay: Relay | undefined
    try {
      relay = await startTestRelay(dir.path, { limits: { frameTimeoutMs: 300, unauthenticatedIdleTimeoutMs: 1000, idleTimeoutMs: 2000 } })
      const attacker = await startClient()
      clients.push(attacker)
      const r = relay
      let answers = 0
      return {
        run: async ({ chunks, closeWrite }, options) => {
          answers += await hostileStream({
            open: async (o) => attacker.dialProtocol(r.multiaddrs[0], MAILBOX_PROTOCOL, o),
            chunks,
            closeWrite,
            maxAnswerBytes: MAX_MAILBOX_RESPONSE_BYTES,
            checkAnswer: (frame) => { decodeMailboxResponse(frame) },
            readMs: READ_MS,
            ...options
          })
        },
        healthy: async () => {
          // the hostile streams reached the handler: it answered some of them
          if (answers === 0) throw new Error('the relay answered no hostile request: the target does not reach the handler')
          await waitFor(() => gauge(r, 'parley_relay_mailbox_streams') === 0, 15_000, 'every hostile mailbox stream released')
          const sender = await startClient()
          const ownerNode = await startClient()
          clients.push(sender, ownerNode)
          const owner = makeOwner()
          const envelope = makeEnvelope(owner.deviceKey)
          const depositor = new MailboxClient(sender)
          const fetcher = new MailboxClient(ownerNode)
          try {
            if ((await depositor.deposit(r.multiaddrs[0], envelope)).duplicate) throw new Error('honest deposit seen as a duplicate')
            const page = await fetcher.fetch(r.multiaddrs[0], owner)
            if (!page.envelopes.some((e) => hex(e.id) === hex(envelope.id))) throw new Error('honest owner did not get its envelope')
            await fetcher.ack(r.multiaddrs[0], owner, [envelope.id])
          } finally {
            await depositor.stop()
            await fetcher.stop()
          }
        },
        close: async () => {
          await Promise.allSettled(clients.map(async (c) => c.stop()))
          await relay?.stop()
          await dir.cleanup()
        }
      }
    } catch (err) {
      await Promise.allSettled(clients.map(async (c) => c.stop()))
      await relay?.stop()
      await dir.cleanup()
      throw err
    }
  }
}
export default target
