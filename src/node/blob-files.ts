/**
 * A device's attachment files (Node): one directory per message under `<home>/blobs/`, holding
 * the blob's `pieces` (ciphertext only: the key stays in the encrypted store, so nothing here
 * is plaintext at rest), its `manifest` and `meta.json` (digest, length, complete). Serves its
 * complete blobs by digest to `/parley/blob/1.0.0`, and keeps a download's verified pieces so
 * it resumes after them, across restarts.
 */
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbortOptions } from '@libp2p/interface'
import { fromHex, toHex } from '../bytes.js'
import { MAX_ATTACHMENT_SIZE, PIECE_SIZE, pieceLengthOf } from '../crypto/attachment/constants.js'
import { decodeManifest, encodeManifest, type Manifest, pieceDigest } from '../crypto/attachment/pieces.js'
import type { BlobDeposits, LocalBlobs, LocalBlobWriter, SealedBlobWriter } from '../messenger/attachments/components.js'
import { BlobIndex, type BlobMeta } from '../messenger/attachments/blob-index.js'
import type { BlobProvider } from '../net/blob-provider.js'

const MAX_CIPHER = MAX_ATTACHMENT_SIZE * 2
const ID = /^[0-9a-f]{32}$/

export class FileBlobs implements LocalBlobs {
  private readonly index = new BlobIndex()
  private loading: Promise<void> | undefined

  constructor (private readonly dir: string) {}

  private path (messageId: string, file?: string): string {
    if (!ID.test(messageId)) throw new RangeError('Bad message id')
    return file === undefined ? join(this.dir, messageId) : join(this.dir, messageId, file)
  }

  /** Reads what survived a restart (once). */
  private async load (): Promise<void> {
    this.loading ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 })
      for (const id of await readdir(this.dir)) {
        if (!ID.test(id)) continue
        const meta = await readFile(this.path(id, 'meta.json'), 'utf8').then((t) => JSON.parse(t) as BlobMeta).catch(() => undefined)
        if (meta === undefined) { await rm(this.path(id), { recursive: true, force: true }); continue }
        this.index.set(id, meta)
      }
    })()
    await this.loading
  }

  private async saveMeta (messageId: string, meta: BlobMeta): Promise<void> {
    const tmp = this.path(messageId, 'meta.json.tmp')
    await writeFile(tmp, JSON.stringify(meta))
    await rename(tmp, this.path(messageId, 'meta.json'))
    this.index.set(messageId, meta)
  }

  async sealedWriter (messageId: string): Promise<SealedBlobWriter> {
    await this.load()
    await rm(this.path(messageId), { recursive: true, force: true })
    await mkdir(this.path(messageId), { recursive: true, mode: 0o700 })
    const fh = await open(this.path(messageId, 'pieces'), 'w', 0o600)
    let closed = false
    const close = async (): Promise<void> => { if (!closed) { closed = true; await fh.close() } }
    return {
      write: async (index, bytes) => { await fh.write(bytes, 0, bytes.length, index * PIECE_SIZE) },
      complete: async (digest, manifest) => {
        await fh.sync()
        await close()
        await writeFile(this.path(messageId, 'manifest'), encodeManifest(manifest), { mode: 0o600 })
        await this.saveMeta(messageId, { digest: toHex(digest), cipherLength: manifest.cipherLength, complete: true })
      },
      abort: async () => {
        await close()
        await this.delete(messageId)
      }
    }
  }

  async writer (messageId: string, digest: Uint8Array, manifest: Manifest): Promise<LocalBlobWriter> {
    await this.load()
    await mkdir(this.path(messageId), { recursive: true, mode: 0o700 })
    const known = this.index.get(messageId)
    if (known === undefined || known.digest !== toHex(digest)) {
      await writeFile(this.path(messageId, 'manifest'), encodeManifest(manifest), { mode: 0o600 })
      await this.saveMeta(messageId, { digest: toHex(digest), cipherLength: manifest.cipherLength, complete: false })
    }
    // the pieces a broken download left: the good prefix stays (checked again, a crash may have torn the last)
    let file: FileHandle = await open(this.path(messageId, 'pieces'), 'a+', 0o600)
    let have = 0
    try {
      const { size } = await file.stat()
      while (have < manifest.pieceDigests.length) {
        const length = pieceLengthOf(manifest.cipherLength, have)
        if (have * PIECE_SIZE + length > size) break
        const buf = new Uint8Array(length)
        await file.read(buf, 0, length, have * PIECE_SIZE)
        if (toHex(pieceDigest(buf)) !== toHex(manifest.pieceDigests[have])) break
        have++
      }
    } finally {
      await file.close()
    }
    file = await open(this.path(messageId, 'pieces'), 'r+')
    await file.truncate(have * PIECE_SIZE)
    const fh = file
    let closed = false
    const close = async (): Promise<void> => { if (!closed) { closed = true; await fh.close() } }
    return {
      have,
      write: async (index, bytes) => { await fh.write(bytes, 0, bytes.length, index * PIECE_SIZE) },
      complete: async () => {
        await fh.sync()
        await close()
        await this.saveMeta(messageId, { digest: toHex(digest), cipherLength: manifest.cipherLength, complete: true })
      },
      abort: close
    }
  }

  private async readAt (messageId: string, index: number): Promise<Uint8Array | undefined> {
    const meta = this.index.get(messageId)
    if (meta === undefined || index < 0 || index * PIECE_SIZE >= meta.cipherLength) return undefined
    const length = pieceLengthOf(meta.cipherLength, index)
    const fh = await open(this.path(messageId, 'pieces'), 'r').catch(() => undefined)
    if (fh === undefined) return undefined
    try {
      const out = new Uint8Array(length)
      const { bytesRead } = await fh.read(out, 0, length, index * PIECE_SIZE)
      return bytesRead === length ? out : undefined
    } finally {
      await fh.close()
    }
  }

  async readPiece (messageId: string, index: number): Promise<Uint8Array | undefined> {
    await this.load()
    return await this.readAt(messageId, index)
  }

  async manifest (messageId: string): Promise<Manifest | undefined> {
    await this.load()
    const meta = this.index.get(messageId)
    if (meta?.complete !== true) return undefined
    return decodeManifest(new Uint8Array(await readFile(this.path(messageId, 'manifest'))), fromHex(meta.digest), MAX_CIPHER)
  }

  /** What `/parley/blob/1.0.0` serves from: the complete blobs, by digest (fetch only). */
  provider (): BlobProvider {
    return {
      manifest: async (digest) => {
        await this.load()
        const id = this.index.idOf(digest)
        return id === undefined ? undefined : new Uint8Array(await readFile(this.path(id, 'manifest')))
      },
      readPiece: async (digest, index) => {
        await this.load()
        const id = this.index.idOf(digest)
        return id === undefined ? undefined : await this.readAt(id, index)
      }
    }
  }

  async rememberDeposits (messageId: string, deposits: BlobDeposits): Promise<void> {
    await this.load()
    const meta = this.index.withDeposits(messageId, deposits)
    if (meta !== undefined) await this.saveMeta(messageId, meta)
  }

  async deposits (messageId: string): Promise<BlobDeposits | undefined> {
    await this.load()
    return this.index.depositsOf(messageId)
  }

  async delete (messageId: string): Promise<void> {
    if (!ID.test(messageId)) return
    await this.load()
    this.index.forget(messageId)
    await rm(this.path(messageId), { recursive: true, force: true })
  }

  async wipe (): Promise<void> {
    this.index.clear()
    await rm(this.dir, { recursive: true, force: true })
    this.loading = undefined
  }

  async * readPath (path: string, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, signal: options.signal })) {
      const buf = chunk as Buffer
      yield new Uint8Array(buf.buffer, buf.byteOffset, buf.length)
    }
  }
}
