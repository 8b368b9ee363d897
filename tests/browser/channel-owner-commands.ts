/**
 * Browser commands (they run in vitest's Node process) for tests/browser/channels.browser.test.ts:
 * a relay on 127.0.0.1 that keeps channel history (WebSockets, for the page) and a Node
 * messenger that owns a channel and posts to it when the page asks. Loaded lazily so that the
 * config does not import the relay and the messenger.
 */
import type { BrowserCommand } from 'vitest/node'
import type { Channels } from '../../src/net/channels.js'

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** Starts the relay and the owner; creates a channel with one post. */
    channelOwnerStart: (name: string, firstPost: string) => Promise<{ relayWs: string, link: string, channelId: string }>
    /** The owner posts `text`; resolves with the post's number. */
    channelOwnerPost: (text: string) => Promise<number>
    /** Peers in the relay's gossipsub mesh for the channel (the owner, then the page). */
    channelRelayMesh: () => Promise<number>
    /** Stops the owner and the relay and removes their files. */
    channelOwnerStop: () => Promise<void>
  }
}

interface Running {
  stop: () => Promise<void>
  post: (text: string) => Promise<number>
  relayMesh: () => number
  channelId: string
}

let running: Running | undefined

const channelOwnerStart: BrowserCommand<[string, string]> = async (_ctx, name, firstPost) => {
  if (running != null) throw new Error('the channel owner is already running')
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { startRelay, silentLogger } = await import('../../src/relay/index.js')
  const { startTestMessenger } = await import('../messenger/helpers.js')
  const dir = await mkdtemp(join(tmpdir(), 'parley-browser-channel-'))
  const relay = await startRelay({
    dataDir: join(dir, 'relay'),
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    manyPeersPerAddress: true,
    metrics: { enabled: false },
    provide: { enabled: false },
    channels: { keep: 'all', reconcileIntervalMs: 0 },
    log: { level: 'silent' }
  }, { logger: silentLogger })
  const relayWs = relay.multiaddrs.map(String).find((a) => a.includes('/ws'))
  if (relayWs == null) throw new Error('relay has no WebSockets address')
  const owner = await startTestMessenger(dir, 'owner', [relayWs])
  const channel = await owner.createChannel(name)
  await owner.post(channel.id, firstPost)
  running = {
    channelId: channel.id,
    post: async (text) => (await owner.post(channel.id, text)).seq,
    relayMesh: () => {
      const gossip = (relay.libp2p.services as unknown as { channels: Channels }).channels.gossip
      const key = Buffer.from(channel.link.slice('parley://channel/'.length).split(/[?#]/)[0], 'base64url')
      return gossip.topicPeers(key).mesh
    },
    stop: async () => {
      await owner.stop().catch(() => {})
      await relay.stop().catch(() => {})
      await rm(dir, { recursive: true, force: true })
    }
  }
  return { relayWs, link: channel.link, channelId: channel.id }
}

const channelOwnerPost: BrowserCommand<[string]> = async (_ctx, text) => {
  if (running == null) throw new Error('the channel owner is not running')
  return await running.post(text)
}

const channelRelayMesh: BrowserCommand<[]> = async () => {
  if (running == null) throw new Error('the channel owner is not running')
  return running.relayMesh()
}

const channelOwnerStop: BrowserCommand<[]> = async () => {
  const current = running
  running = undefined
  await current?.stop()
}

export const channelOwnerCommands = { channelOwnerStart, channelOwnerPost, channelRelayMesh, channelOwnerStop }
