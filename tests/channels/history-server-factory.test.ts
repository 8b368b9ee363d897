/**
 * The `/parley/channel-history` server is made only by `createServingChannelGossip` (relays), so
 * that devices (a browser's lazy chunk) do not carry it: a history backend handed to the plain
 * factory is refused, not silently left unserved.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { hasCode } from '../../src/errors.js'
import { createChannelGossip } from '../../src/net/channel-gossip.js'
import type { ChannelHistoryBackend } from '../../src/net/channel-history.js'
import { CHANNEL_HISTORY_PROTOCOL } from '../../src/net/channel-history.js'
import { channels, type Channels } from '../../src/net/channels.js'
import { createParleyLibp2p, testNetwork } from '../../src/p2p/index.js'
import { channelNode } from './helpers.js'

const emptyBackend: ChannelHistoryBackend = {
  query: async () => ({ posts: [], head: 0 }),
  store: async () => 0
}

describe('channel history server factory', () => {
  it('a history backend without the serving factory is refused with ERR_INVALID_ARGUMENT', async () => {
    const node = await createParleyLibp2p<{ channels: Channels }>({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      ...testNetwork(),
      dhtClientMode: true,
      start: false,
      extraServices: { channels: channels({ create: createChannelGossip, history: emptyBackend }) }
    })
    try {
      await expect(node.start()).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_INVALID_ARGUMENT'))
    } finally {
      await node.stop()
    }
  })

  it('the serving factory serves the protocol; the plain one does not', async () => {
    const serving = await channelNode(emptyBackend)
    const plain = await channelNode()
    try {
      expect(serving.getProtocols()).toContain(CHANNEL_HISTORY_PROTOCOL)
      expect(plain.getProtocols()).not.toContain(CHANNEL_HISTORY_PROTOCOL)
    } finally {
      await serving.stop()
      await plain.stop()
    }
  })
})
