/**
 * The relay's file-system blob store on a disk that fills up (a real 8 MB tmpfs, shared with a
 * LevelDB mailbox store as on a relay): a deposit the disk has no room for is refused up front,
 * and one that hits ENOSPC mid-upload fails with the retryable ERR_STORAGE_FULL; either leaves
 * nothing counted against any quota and nothing on disk; the blobs held stay served, the
 * mailbox store keeps taking deposits, and once space returns the store takes the same blob
 * again by itself (no reopen, no restart). Skipped (with the reason) where `mount` is refused.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, rm, stat, statfs, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PIECE_SIZE, pieceLengthOf } from '../../src/crypto/attachment/constants.js'
import { blobDigest, encodeManifest, pieceDigest, verifyPiece, type Manifest } from '../../src/crypto/attachment/pieces.js'
import type { BlobRequester, DepositRequest } from '../../src/net/blob-provider.js'
import { FileBlobStore } from '../../src/relay/blob-store/index.js'
import type { BlobStoreLimits } from '../../src/relay/blob-store/types.js'
import { MailboxStore, type MailboxStoreLimits } from '../../src/relay/mailbox-store/index.js'
import { silentLogger } from '../../src/relay/logger.js'
import { Envelope } from '../../src/wire/parley.js'
import { tempDir } from '../helpers/network.js'

const MiB = 1024 * 1024
const LIMITS: BlobStoreLimits = { blobMaxBytes: 64 * MiB, blobMailboxMaxBytes: 64 * MiB, blobStorageMaxBytes: 64 * MiB, blobMaxBlobs: 100, blobRetentionMs: 3_600_000, blobByteRatePerAddress: null, blobStoredBytesPerAddress: 64 * MiB, blobsPerAddress: 100 }
const MAILBOX_LIMITS: MailboxStoreLimits = { mailboxMaxEnvelopes: 10_000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10 }
const ADDRESS = { address: '192.0.2.7' }

interface Blob { pieces: Uint8Array[], manifest: Manifest, request: DepositRequest }

/** A blob of `size` ciphertext bytes (random: as incompressible as real ciphertext), deposited for `mailbox`. */
function blobOf (size: number, mailbox: Uint8Array): Blob {
  const data = new Uint8Array(randomBytes(size))
  const pieces: Uint8Array[] = []
  for (let i = 0; i * PIECE_SIZE < size; i++) pieces.push(data.subarray(i * PIECE_SIZE, i * PIECE_SIZE + pieceLengthOf(size, i)))
  const manifest: Manifest = { cipherLength: size, pieceDigests: pieces.map(pieceDigest) }
  return { pieces, manifest, request: { digest: blobDigest(manifest), manifest, manifestBytes: encodeManifest(manifest), mailbox, expiresAt: 0, deleteHash: new Uint8Array(32) } }
}

async function code (p: Promise<unknown>): Promise<string> {
  try { await p; return 'ok' } catch (err) { return (err as { code?: string }).code ?? `untyped: ${(err as Error).message}` }
}

async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

async function free (dir: string): Promise<number> {
  const fs = await statfs(dir)
  return fs.bavail * fs.bsize
}

describe('fault injection: the relay\'s blob store on a full disk', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let mountPoint = ''
  let mountError = ''
  const closers: Array<() => Promise<void>> = []

  beforeAll(async () => {
    dir = await tempDir('parley-faults-blobs-')
    mountPoint = join(dir.path, 'tmpfs')
    await mkdir(mountPoint)
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { encoding: 'utf8' })
    if (mounted.status !== 0) mountError = `cannot mount a tmpfs here (needs root): ${(mounted.stderr ?? '').trim()}`
  })

  afterAll(async () => {
    for (const close of closers) await close()
    if (mountError === '') spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' })
    await dir?.cleanup()
  })

  it('refuses with ERR_STORAGE_FULL, counts nothing of the failed deposit, keeps serving and taking mail, and takes the blob once space returns', async (ctx) => {
    if (mountError !== '') ctx.skip(mountError)
    const blobDir = join(mountPoint, 'blobs')
    const refusedQuotas: string[] = []
    const make = (): FileBlobStore => new FileBlobStore(blobDir, LIMITS, { logger: silentLogger, diskReserveBytes: MiB, onQuotaRefused: (q) => { refusedQuotas.push(q) } })
    let blobs = make()
    await blobs.open()
    closers.push(async () => { await blobs.close() })
    const mailboxes = new MailboxStore(join(mountPoint, 'mailboxes'), MAILBOX_LIMITS, { diskRecoveryPollMs: 50 })
    await mailboxes.open()
    closers.push(async () => { await mailboxes.close() })
    const requester: BlobRequester = { peer: peerIdFromPrivateKey(await generateKeyPair('Ed25519')), address: ADDRESS }
    const mailbox = new Uint8Array(randomBytes(32))
    const mailboxHex = Buffer.from(mailbox).toString('hex')
    const envelope = (size: number): Parameters<MailboxStore['deposit']>[0] => {
      const id = randomBytes(16)
      return { mailbox: mailboxHex, id: id.toString('hex'), bytes: Envelope.encode({ version: 1, id, recipientDevice: mailbox, payload: randomBytes(size), createdAt: 1n, expiresAt: 0n, flags: 0 }), expiresAt: Date.now() + 3_600_000, secret: false, now: Date.now() }
    }
    const upload = async (blob: Blob): Promise<void> => {
      const deposit = await blobs.deposit(blob.request, requester)
      try {
        for (let i = deposit.have; i < blob.pieces.length; i++) await deposit.write(i, blob.pieces[i])
        await deposit.complete()
      } catch (err) {
        await deposit.abort() // as the blob server does when a write fails
        throw err
      }
    }
    const served = async (blob: Blob): Promise<void> => {
      for (let i = 0; i < blob.pieces.length; i++) {
        const piece = await blobs.readPiece(blob.request.digest, i)
        expect(piece, `piece ${i}`).toBeDefined()
        verifyPiece(blob.manifest, i, piece as Uint8Array)
      }
    }
    const counts = (): unknown => ({ blobs: blobs.blobCount, bytes: blobs.totalBytes, mailboxes: [...blobs.mailboxUsage()], address: blobs.heldByAddress(ADDRESS) })
    const blobPath = (blob: Blob): string => { const hex = Buffer.from(blob.request.digest).toString('hex'); return join(blobDir, hex.slice(0, 2), hex) }

    // one blob held before the disk fills
    const held = blobOf(600_000, mailbox)
    await upload(held)
    const before = counts()

    // no room for it beside the reserve: refused before anything is written or counted
    const huge = blobOf(await free(mountPoint) - MiB / 2, mailbox)
    expect(await code(blobs.deposit(huge.request, requester))).toBe('ERR_STORAGE_FULL')
    expect(counts()).toEqual(before)
    expect(await exists(blobPath(huge))).toBe(false)

    // room when it starts; the disk fills up under the upload (another writer): ENOSPC mid-upload
    const big = blobOf(3 * MiB, mailbox)
    const deposit = await blobs.deposit(big.request, requester)
    await deposit.write(0, big.pieces[0])
    await writeFile(join(mountPoint, 'filler'), new Uint8Array(await free(mountPoint) - 300 * 1024))
    const freeWhenFull = await free(mountPoint)
    let refused = 'ok'
    for (let i = 1; i < big.pieces.length && refused === 'ok'; i++) refused = await code(deposit.write(i, big.pieces[i]))
    if (refused === 'ok') refused = await code(deposit.complete())
    await deposit.abort()
    expect(refused).toBe('ERR_STORAGE_FULL')
    // the failed deposit left nothing: not counted against any quota, its files gone (the space back)
    expect(counts()).toEqual(before)
    expect(await exists(blobPath(big))).toBe(false)
    expect(await free(mountPoint)).toBeGreaterThan(freeWhenFull)
    expect(await blobs.manifest(big.request.digest)).toBeUndefined()

    // the blob held is served; the mailbox store on the same disk still takes deposits
    await served(held)
    expect(await code(mailboxes.deposit(envelope(10_000)))).toBe('ok')
    expect(mailboxes.writeState).toBe('ok')
    // while the disk stays full, a new deposit is refused up front, typed
    expect(await code(blobs.deposit(blobOf(400_000, mailbox).request, requester))).toBe('ERR_STORAGE_FULL')
    expect(counts()).toEqual(before)

    // space returns: the same store takes the blob again by itself and serves it
    await rm(join(mountPoint, 'filler'))
    await upload(big)
    await served(big)
    expect(blobs.blobCount).toBe(2)
    expect(blobs.totalBytes).toBe(600_000 + 3 * MiB)
    expect(refusedQuotas.every((q) => q === 'disk')).toBe(true)

    // and after a restart both are there, counted once
    await blobs.close()
    blobs = make()
    await blobs.open()
    await served(held)
    await served(big)
    expect(blobs.totalBytes).toBe(600_000 + 3 * MiB)
    expect(blobs.mailboxUsage().get(mailboxHex)).toBe(600_000 + 3 * MiB)
  }, 120_000)
})
