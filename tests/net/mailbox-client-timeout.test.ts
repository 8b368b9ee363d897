import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Libp2p, Stream } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxClient } from '../../src/net/mailbox-client.js'
import { MAILBOX_PROTOCOL } from '../../src/net/mailbox-codec.js'
import { RelayUnreachableError } from '../../src/net/mailbox-errors.js'
import { LOOPBACK_LISTEN } from '../helpers/network.js'

const node = async (listen: string[]): Promise<Libp2p> => createLibp2p({
  addresses: { listen }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()],
  connectionGater: { denyDialMultiaddr: async () => false }
})

describe('mailbox client time limits', () => {
  let silent: Libp2p
  let dialer: Libp2p
  const held: Stream[] = []

  beforeAll(async () => {
    // a "relay" that accepts mailbox streams and never answers
    silent = await node(LOOPBACK_LISTEN)
    await silent.handle(MAILBOX_PROTOCOL, (stream) => { held.push(stream) })
    dialer = await node([])
  })

  afterAll(async () => {
    for (const s of held) s.abort(new Error('test over'))
    await dialer?.stop()
    await silent?.stop()
  })

  it('fails a call the relay never answers after requestTimeoutMs, with a typed error, and can call again', async () => {
    const client = new MailboxClient(dialer, { requestTimeoutMs: 300 })
    const envelope = { version: 1, id: new Uint8Array(16).fill(1), recipientDevice: new Uint8Array(32).fill(2), payload: new Uint8Array(10), createdAt: 1n, expiresAt: 0n, flags: 0 }
    const started = Date.now()
    await expect(client.deposit(silent.getMultiaddrs()[0], envelope)).rejects.toBeInstanceOf(RelayUnreachableError)
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(elapsed).toBeLessThan(10_000)
    // the channel is still usable for the next call, which times out the same way
    await expect(client.deposit(silent.getMultiaddrs()[0], envelope)).rejects.toBeInstanceOf(RelayUnreachableError)
    // a caller's own signal replaces the default limit
    const own = new AbortController()
    const pending = client.deposit(silent.getMultiaddrs()[0], envelope, { signal: own.signal })
    own.abort()
    await expect(pending).rejects.toBeInstanceOf(RelayUnreachableError)
    await client.stop()
  })
})
