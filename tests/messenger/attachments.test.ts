/**
 * Attachments between two messengers on 127.0.0.1 (real nodes, LevelDB, blob files on disk):
 * a 20 MiB file from a path arrives byte-identical with monotonic progress, and no blob file of
 * either side holds plaintext; a download cut halfway resumes after a restart of the receiver
 * without fetching the verified pieces again; small files download as they arrive; deleting for
 * both removes the blob files on both sides.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { utf8 } from '../../src/bytes.js'
import { PIECE_SIZE } from '../../src/crypto/attachment/constants.js'
import type { ConversationView } from '../../src/messenger/types.js'
import { FileBlobs } from '../../src/node/blob-files.js'
import type { HomeMessenger } from '../../src/node/messenger.js'
import type { Relay } from '../../src/relay/index.js'
import { tempDir, waitFor } from '../helpers/network.js'
import { nextEvent, startTestMessenger, startTestRelay } from './helpers.js'

const MiB = 1024 * 1024
const MARKER = 'PARLEY-ATTACHMENT-PLAINTEXT-MARKER'

/** `size` bytes with the marker every 4 KiB, written to `path`; returns their SHA-256. */
async function writeMarkedFile (path: string, size: number): Promise<string> {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 13) % 251
  const marker = utf8(MARKER)
  for (let i = 0; i + marker.length <= size; i += 4096) bytes.set(marker, i)
  await writeFile(path, bytes)
  return createHash('sha256').update(bytes).digest('hex')
}

async function filesUnder (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...await filesUnder(path))
    else out.push(path)
  }
  return out
}

async function holdsMarker (path: string): Promise<boolean> {
  let tail = ''
  for await (const chunk of createReadStream(path, { encoding: 'latin1' })) {
    const text = tail + (chunk as string)
    if (text.includes(MARKER)) return true
    tail = text.slice(-MARKER.length)
  }
  return false
}

describe('attachments between two messengers', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let relay: Relay
  let relays: string[]
  let alice: HomeMessenger
  let bob: HomeMessenger
  let aliceConv: ConversationView
  let bobConv: ConversationView
  const start = async (name: string): Promise<HomeMessenger> => startTestMessenger(dir.path, name, relays, {
    blobs: new FileBlobs(join(dir.path, name, 'blobs')),
    attachments: { autoDownloadMaxBytes: 256 * 1024 }
  })

  beforeAll(async () => {
    dir = await tempDir('parley-attachments-')
    relay = await startTestRelay(join(dir.path, 'relay'))
    relays = [relay.multiaddrs[0].toString()]
    alice = await start('alice')
    bob = await start('bob')
    await alice.addContact(bob.inviteLink(), { name: 'Bob' })
    aliceConv = await alice.conversationWith(bob.address)
    const first = nextEvent(bob, 'message')
    await alice.sendText(aliceConv.id, 'hi')
    bobConv = await bob.getConversation((await first).message.conversationId)
  }, 60_000)

  afterAll(async () => {
    await alice?.stop()
    await bob?.stop()
    await relay?.stop()
    await dir?.cleanup()
  })

  it('a 20 MiB file from a path arrives byte-identical, progress rising to 100 %, no plaintext in any blob file', async () => {
    const path = join(dir.path, 'big.bin')
    const sha = await writeMarkedFile(path, 20 * MiB)
    const sent: number[] = []
    const arrived = nextEvent(bob, 'message', (d) => d.message.kind === 'file')
    const view = await alice.sendFile(aliceConv.id, path, { mime: 'application/x-test', onProgress: (b) => sent.push(b) })
    expect(view.attachment).toMatchObject({ name: 'big.bin', size: 20 * MiB, mime: 'application/x-test', sha256: sha, state: 'complete' })
    expect(sent).toEqual([...sent].sort((a, b) => a - b))
    expect(sent.at(-1)).toBe(20 * MiB)
    const { message } = await arrived
    expect(message.id).toBe(view.id)
    expect(message.attachment).toMatchObject({ name: 'big.bin', size: 20 * MiB, sha256: sha, state: 'pending' })
    const got: number[] = []
    const done = await bob.downloadAttachment(bobConv.id, message.id, { onProgress: (b) => got.push(b) })
    expect(done.attachment?.state).toBe('complete')
    expect(got).toEqual([...got].sort((a, b) => a - b))
    expect(got.at(-1)).toBeGreaterThan(20 * MiB) // ciphertext: padding and tags
    const hash = createHash('sha256')
    let bytes = 0
    for await (const part of bob.readAttachment(bobConv.id, message.id)) { hash.update(part); bytes += part.length }
    expect(bytes).toBe(20 * MiB)
    expect(hash.digest('hex')).toBe(sha)
    const listed = (await bob.messages(bobConv.id)).items.find((m) => m.id === message.id)
    expect(listed?.attachment).toMatchObject({ name: 'big.bin', size: 20 * MiB, mime: 'application/x-test', sha256: sha, state: 'complete' })
    // at rest: ciphertext only, on both sides
    const blobFiles = [...await filesUnder(join(dir.path, 'alice', 'blobs')), ...await filesUnder(join(dir.path, 'bob', 'blobs'))]
    expect(blobFiles.filter((f) => f.endsWith('pieces'))).toHaveLength(2)
    for (const f of blobFiles) expect(await holdsMarker(f), f).toBe(false)
  })

  it('a download cut halfway resumes after the receiver restarts, without fetching the verified pieces again', async () => {
    const path = join(dir.path, 'resume.bin')
    const sha = await writeMarkedFile(path, 6 * MiB)
    const arrived = nextEvent(bob, 'message', (d) => d.message.attachment?.name === 'resume.bin')
    await alice.sendFile(aliceConv.id, path)
    const { message } = await arrived
    const cut = new AbortController()
    let reached = 0
    await expect(bob.downloadAttachment(bobConv.id, message.id, {
      signal: cut.signal,
      onProgress: (b) => { reached = b; if (b >= 2 * PIECE_SIZE * 4) cut.abort() }
    })).rejects.toThrow()
    expect(reached).toBe(8 * PIECE_SIZE)
    expect((await bob.messages(bobConv.id)).items.find((m) => m.id === message.id)?.attachment?.state).toBe('failed')
    // the receiver goes away and comes back on the same home
    await bob.stop()
    bob = await start('bob')
    const after: number[] = []
    const done = await bob.downloadAttachment(bobConv.id, message.id, { onProgress: (b) => after.push(b) })
    expect(done.attachment?.state).toBe('complete')
    expect(after[0]).toBe(reached + PIECE_SIZE) // the first piece fetched is the one after the last verified
    const hash = createHash('sha256')
    for await (const part of bob.readAttachment(bobConv.id, message.id)) hash.update(part)
    expect(hash.digest('hex')).toBe(sha)
  })

  it('downloads small files as they arrive (a Blob source), and delete-for-both removes the blob files on both sides', async () => {
    const bytes = new Uint8Array(100_000).fill(7)
    const complete = nextEvent(bob, 'message-updated', (d) => d.message.attachment?.name === 'note.txt' && d.message.attachment.state === 'complete')
    const sent = await alice.sendFile(aliceConv.id, new Blob([bytes], { type: 'text/plain' }), { name: 'note.txt', caption: 'see attached' })
    expect(sent.attachment?.mime).toBe('text/plain')
    const { message } = await complete
    expect(message.text).toBe('see attached')
    const aliceDir = join(dir.path, 'alice', 'blobs', sent.id)
    const bobDir = join(dir.path, 'bob', 'blobs', sent.id)
    expect((await stat(aliceDir)).isDirectory()).toBe(true)
    expect((await stat(bobDir)).isDirectory()).toBe(true)
    const relayBlobs = relay.blobStore.blobCount
    const relayDir = (await filesUnder(join(dir.path, 'relay', 'blobs'))).length
    expect(relayDir).toBeGreaterThan(0)
    const deleted = nextEvent(bob, 'messages-deleted', (d) => d.ids.includes(sent.id))
    await alice.deleteMessages(aliceConv.id, [sent.id], { forEveryone: true })
    await deleted
    await waitFor(async () => (await stat(aliceDir).catch(() => null)) === null && (await stat(bobDir).catch(() => null)) === null, 10_000, 'blob files removed')
    // and at alice's relay, with the delete token
    await waitFor(() => relay.blobStore.blobCount === relayBlobs - 1, 10_000, 'relay blob removed')
    await expect(bob.readAttachment(bobConv.id, sent.id).next()).rejects.toMatchObject({ code: 'ERR_MESSAGE_NOT_FOUND' })
  })

  it('forwards a file message sealed again under a new key (same bytes, another blob); a secret chat\'s file is refused, like its text', async () => {
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 31) % 256)
    const sha = createHash('sha256').update(bytes).digest('hex')
    const complete = nextEvent(bob, 'message-updated', (d) => d.message.attachment?.name === 'fwd.bin' && d.message.attachment.state === 'complete')
    const original = await alice.sendFile(aliceConv.id, new Blob([bytes]), { name: 'fwd.bin', mime: 'application/x-fwd', caption: 'pass it on' })
    const received = (await complete).message
    // bob forwards it (into his conversation with alice: any normal conversation will do)
    const back = nextEvent(alice, 'message', (d) => d.message.direction === 'in' && d.message.attachment?.name === 'fwd.bin')
    const forwarded = await bob.forward(received.id, bobConv.id, bobConv.id)
    expect(forwarded.id).not.toBe(received.id)
    expect(forwarded.kind).toBe('file')
    expect(forwarded.text).toBe('pass it on')
    expect(forwarded.attachment).toMatchObject({ name: 'fwd.bin', mime: 'application/x-fwd', size: 200_000, sha256: sha, state: 'complete' })
    const arrived = (await back).message
    const done = await alice.downloadAttachment(aliceConv.id, arrived.id)
    expect(done.attachment?.state).toBe('complete')
    const hash = createHash('sha256')
    for await (const part of alice.readAttachment(aliceConv.id, arrived.id)) hash.update(part)
    expect(hash.digest('hex')).toBe(sha)
    // another key, hence another blob: the two copies cannot be linked by their digests
    const keys = await Promise.all([original.id, arrived.id].map(async (id) => (await alice.messages(aliceConv.id)).items.find((m) => m.id === id)))
    expect(keys.every((m) => m?.attachment?.sha256 === sha)).toBe(true)
    const blobDirs = (await readdir(join(dir.path, 'alice', 'blobs'))).filter((d) => d === original.id || d === arrived.id)
    expect(blobDirs).toHaveLength(2)
    const manifests = await Promise.all(blobDirs.map(async (d) => (await filesUnder(join(dir.path, 'alice', 'blobs', d))).find((f) => f.endsWith('manifest'))))
    expect(manifests.every((f) => f !== undefined)).toBe(true)
    const [m1, m2] = await Promise.all(manifests.map(async (f) => readFile(f as string)))
    expect(Buffer.compare(m1, m2)).not.toBe(0)

    // a secret chat's file cannot be forwarded, by either side
    const incoming = nextEvent(bob, 'conversation-updated', (d) => d.conversation.kind === 'secret' && d.conversation.secretState === 'incoming')
    const secret = await alice.startSecretChat(bob.address)
    const bobSecret = (await incoming).conversation
    const active = nextEvent(alice, 'conversation-updated', (d) => d.conversation.id === secret.id && d.conversation.secretState === 'active')
    await bob.acceptSecretChat(bobSecret.id)
    await active
    const gotSecret = nextEvent(bob, 'message-updated', (d) => d.message.conversationId === secret.id && d.message.attachment?.state === 'complete')
    const secretFile = await alice.sendFile(secret.id, new Blob([bytes]), { name: 'secret.bin' })
    const inSecret = (await gotSecret).message // downloaded: refused for being secret, not for being incomplete
    await expect(bob.forward(inSecret.id, bobSecret.id, bobConv.id)).rejects.toMatchObject({ name: 'NotForwardableError' })
    await expect(alice.forward(secretFile.id, secret.id, aliceConv.id)).rejects.toMatchObject({ name: 'NotForwardableError' })
    // its deposit at alice's relay lives as long as a secret-chat envelope may there (24 h), not the relay's 30 days
    const metas = await Promise.all((await filesUnder(join(dir.path, 'relay', 'blobs'))).filter((f) => f.endsWith('meta.json'))
      .map(async (f) => JSON.parse(await readFile(f, 'utf8')) as { refs: Array<{ expiresAt: number }> }))
    const day = 24 * 3600 * 1000
    expect(metas.some((m) => m.refs.some((r) => Math.abs(r.expiresAt - (secretFile.sentAt + day)) < 60_000))).toBe(true)
    expect(metas.every((m) => m.refs.every((r) => r.expiresAt <= Date.now() + 30 * day + 60_000))).toBe(true)
  })

  it('a disappearing file goes, when its timer runs out, from both devices and from the relay', async () => {
    const bytes = new Uint8Array(50_000).fill(9) // small: bob downloads it as it arrives
    const complete = nextEvent(bob, 'message-updated', (d) => d.message.attachment?.name === 'brief.bin' && d.message.attachment.state === 'complete')
    const held = relay.blobStore.blobCount
    const sent = await alice.sendFile(aliceConv.id, new Blob([bytes]), { name: 'brief.bin', ttlMs: 3000 })
    expect(relay.blobStore.blobCount).toBe(held + 1)
    await complete
    const aliceDir = join(dir.path, 'alice', 'blobs', sent.id)
    const bobDir = join(dir.path, 'bob', 'blobs', sent.id)
    expect((await stat(bobDir)).isDirectory()).toBe(true)
    const gone = await Promise.all([alice, bob].map(async (m) => nextEvent(m, 'messages-deleted', (d) => d.ids.includes(sent.id), 30_000)))
    expect(gone.map((d) => d.everywhere)).toEqual([true, true])
    await waitFor(async () => (await stat(aliceDir).catch(() => null)) === null && (await stat(bobDir).catch(() => null)) === null, 10_000, 'blob files removed on both devices')
    await waitFor(() => relay.blobStore.blobCount === held, 10_000, 'relay blob removed')
  })

  it('a delete on the sender\'s device only leaves the relay\'s copy: the recipient still downloads it', async () => {
    const bytes = new Uint8Array(300 * 1024).fill(3) // above bob's automatic download
    const arrived = nextEvent(bob, 'message', (d) => d.message.attachment?.name === 'kept.bin')
    const sent = await alice.sendFile(aliceConv.id, new Blob([bytes]), { name: 'kept.bin' }) // deposited at alice's relay
    const { message } = await arrived
    const held = relay.blobStore.blobCount
    const deleted = nextEvent(alice, 'messages-deleted', (d) => d.ids.includes(sent.id))
    await alice.deleteMessages(aliceConv.id, [sent.id])
    expect((await deleted).everywhere).toBe(false)
    // alice's own copy is gone: only the relay can serve it now
    await waitFor(async () => (await stat(join(dir.path, 'alice', 'blobs', sent.id)).catch(() => null)) === null, 10_000, 'alice blob files removed')
    const done = await bob.downloadAttachment(bobConv.id, message.id)
    expect(done.attachment?.state).toBe('complete')
    expect(relay.blobStore.blobCount).toBe(held)
  })

  it('with the sender offline, the file comes from the sender\'s relay, byte-identical; the relay holds no plaintext', async () => {
    const path = join(dir.path, 'offline.bin')
    const sha = await writeMarkedFile(path, 5 * MiB)
    const arrived = nextEvent(bob, 'message', (d) => d.message.attachment?.name === 'offline.bin')
    const sent = await alice.sendFile(aliceConv.id, path) // resolves once deposited at alice's relay
    const { message } = await arrived
    expect(relay.blobStore.blobCount).toBeGreaterThan(0)
    await alice.stop()
    const done = await bob.downloadAttachment(bobConv.id, message.id)
    expect(done.attachment?.state).toBe('complete')
    const hash = createHash('sha256')
    for await (const part of bob.readAttachment(bobConv.id, sent.id)) hash.update(part)
    expect(hash.digest('hex')).toBe(sha)
    const relayFiles = await filesUnder(join(dir.path, 'relay'))
    expect(relayFiles.filter((f) => f.endsWith('pieces')).length).toBeGreaterThan(0)
    for (const f of relayFiles) expect(await holdsMarker(f), f).toBe(false)
    // bob deletes it for both while alice is still offline: the copy at alice's relay goes now
    // (bob derives the delete token from the key), not when alice comes back
    const held = relay.blobStore.blobCount
    await bob.deleteMessages(bobConv.id, [sent.id], { forEveryone: true })
    await waitFor(() => relay.blobStore.blobCount === held - 1, 10_000, 'relay blob removed by the recipient')
  })
})
