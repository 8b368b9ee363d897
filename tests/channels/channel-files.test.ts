import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasCode } from '../../src/errors.js'
import { FileBlobs } from '../../src/node/blob-files.js'
import type { Relay } from '../../src/relay/index.js'
import { tempDir } from '../helpers/network.js'
import { startTestMessenger } from '../messenger/helpers.js'
import { startTestRelay } from '../relay/helpers.js'

async function files (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...await files(path))
    else out.push(path)
  }
  return out
}
async function filesContain (dir: string, marker: Uint8Array): Promise<boolean> {
  for (const path of await files(dir)) if ((await readFile(path)).includes(Buffer.from(marker))) return true
  return false
}
async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}

describe('files and voice notes in channel posts, fetched from relays (127.0.0.1)', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let relay: Relay
  const stops: Array<() => Promise<unknown>> = []

  beforeAll(async () => {
    dir = await tempDir('parley-channel-files-')
    relay = await startTestRelay(join(dir.path, 'relay'), { channels: { keep: 'all', reconcileIntervalMs: 0 }, metrics: { enabled: false } })
    stops.push(async () => { await relay.stop() })
  }, 60_000)
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
    await dir?.cleanup()
  }, 60_000)

  it('a subscriber fetches a private channel\'s voice note from the relay while the owner is offline; the relay holds only ciphertext', async () => {
    const relays = [relay.multiaddrs[0].toString()]
    const owner = await startTestMessenger(dir.path, 'owner', relays, { blobs: new FileBlobs(join(dir.path, 'owner', 'blobs')) })
    const reader = await startTestMessenger(dir.path, 'reader', relays, { blobs: new FileBlobs(join(dir.path, 'reader', 'blobs')) })
    stops.push(async () => { await reader.stop() })
    const channel = await owner.createChannel('voice', { private: true })
    // 300 KiB (several pieces) that carry a marker the relay's files must not show
    const marker = Buffer.from('CHANNEL-FILE-MARKER-77c1e0')
    const voice = Buffer.concat([marker, Buffer.alloc(300 * 1024, 7), marker])
    const posted = await owner.postChannelFile(channel.id, [voice], { caption: 'Morning report', name: 'report.ogg', mime: 'audio/ogg', durationMs: 4_200, waveform: [1, 80, 200, 40] })
    expect(posted.text).toBe('Morning report')
    expect(posted.file).toMatchObject({ name: 'report.ogg', mime: 'audio/ogg', size: voice.length, durationMs: 4_200, waveform: [1, 80, 200, 40], state: 'complete' })
    expect(await collect(owner.readChannelFile(channel.id, posted.seq))).toEqual(voice)
    await owner.stop()

    await reader.subscribe(channel.link)
    const [post] = await reader.channelPosts(channel.id)
    expect(post.file).toMatchObject({ name: 'report.ogg', state: 'pending', durationMs: 4_200 })
    await expect(collect(reader.readChannelFile(channel.id, post.seq))).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_NOT_ALLOWED'))
    expect((await reader.downloadChannelFile(channel.id, post.seq)).file?.state).toBe('complete')
    expect(await collect(reader.readChannelFile(channel.id, post.seq))).toEqual(voice)

    expect(await filesContain(join(dir.path, 'relay'), marker)).toBe(false)
    // the reader keeps ciphertext only
    expect(await filesContain(join(dir.path, 'reader'), marker)).toBe(false)
    // a follower cannot post files
    await expect(reader.postChannelFile(channel.id, [Buffer.from('x')])).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_CHANNEL_READ_ONLY'))
    await expect(reader.downloadChannelFile(channel.id, 99)).rejects.toSatisfy((err: unknown) => hasCode(err, 'ERR_NOT_FOUND'))
  }, 240_000)
})
