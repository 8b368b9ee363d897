/**
 * A browser device's attachment blobs in IndexedDB (docs/BROWSER.md, "Files, pictures and voice
 * notes"): the browser counterpart of `node/blob-files.ts`, in a database of its own
 * (`parley-blobs-<storage name>`) beside the encrypted store. It holds ciphertext pieces only
 * (the attachment keys stay in the encrypted store), so nothing in it is plaintext at rest. It
 * serves its complete blobs by digest to `/parley/blob/1.0.0`, and keeps a download's verified
 * pieces, so a download resumes after them across reloads.
 *
 * Keys: `m!<id>` a message's meta (JSON), `f!<id>` its manifest, `p!<id>!<index, 8 digits>` a piece,
 * stored as their UTF-8 bytes (binary IndexedDB keys, browser-level's layout for `keyEncoding: 'utf8'`,
 * so blobs written by earlier builds stay readable: `store/idb-backend.ts`).
 * Loaded lazily with the messenger (`createParley`): none of it is in the first load.
 */
import type { AbortOptions } from '@libp2p/interface'
import { fromHex, toHex } from '../bytes.js'
import { MAX_ATTACHMENT_SIZE, PIECE_SIZE, pieceLengthOf } from '../crypto/attachment/constants.js'
import { decodeManifest, encodeManifest, type Manifest, pieceDigest } from '../crypto/attachment/pieces.js'
import type { BlobDeposits, LocalBlobWriter, SealedBlobWriter } from '../messenger/attachments/components.js'
import { BlobIndex, type BlobMeta } from '../messenger/attachments/blob-index.js'
import type { BlobProvider } from '../net/blob-provider.js'
import { deleteIndexedDb } from '../store/webcrypto-keyring.js'
import { openIdbKv, type IdbKv } from '../store/idb-backend.js'
import type { DeviceBlobs } from '../node/messenger-components.js'

/** Prefix of the IndexedDB database names of blob stores (after it: the store's name). */
export const IDB_BLOBS_PREFIX = 'parley-blobs-'
const MAX_CIPHER = MAX_ATTACHMENT_SIZE * 2
const ID = /^[0-9a-f]{32}$/
const te = new TextEncoder()
const td = new TextDecoder()
const pieceKey = (id: string, index: number): string => `p!${id}!${String(index).padStart(8, '0')}`
const k = (key: string): Uint8Array => te.encode(key)

export class IdbBlobs implements DeviceBlobs {
  private readonly index = new BlobIndex()
  private loading: Promise<IdbKv> | undefined

  /** `name`: the store's name (`storage.name` of `createParley`), so each account has its own. */
  private wiping: Promise<void> | undefined

  constructor (private readonly name: string) {}

  private async load (): Promise<IdbKv> {
    this.loading ??= (async () => {
      const db = await openIdbKv(this.name, { prefix: IDB_BLOBS_PREFIX })
      for await (const [key, value] of db.entries({ gt: k('m!'), lt: k('m"') })) {
        const id = td.decode(key).slice(2)
        const meta = JSON.parse(td.decode(value)) as BlobMeta
        this.index.set(id, meta)
      }
      return db
    })()
    return await this.loading
  }

  /** Closes the database if it was opened. */
  private async closeDb (): Promise<void> {
    if (this.loading === undefined) return
    let db: IdbKv
    try {
      db = await this.loading
    } catch {
      return // it never opened (the caller of load() had the error): nothing to close
    }
    await db.close()
  }

  private async put (key: string, value: Uint8Array): Promise<void> {
    await (await this.load()).batch([{ type: 'put', key: k(key), value }])
  }

  private async get (key: string): Promise<Uint8Array | undefined> {
    return await (await this.load()).get(k(key))
  }

  /** Deletes the keys from `gte` up to (excluding) `lt`. */
  private async clearRange (gte: string, lt: string): Promise<void> {
    await (await this.load()).clear({ gte: k(gte), lt: k(lt) })
  }

  private check (messageId: string): void {
    if (!ID.test(messageId)) throw new RangeError('Bad message id')
  }

  private async saveMeta (messageId: string, meta: BlobMeta): Promise<void> {
    await this.put(`m!${messageId}`, te.encode(JSON.stringify(meta)))
    this.index.set(messageId, meta)
  }

  async sealedWriter (messageId: string, options: AbortOptions = {}): Promise<SealedBlobWriter> {
    options.signal?.throwIfAborted()
    this.check(messageId)
    await this.load()
    await this.delete(messageId)
    return {
      write: async (index, bytes) => { await this.put(pieceKey(messageId, index), bytes) },
      complete: async (digest, manifest) => {
        await this.put(`f!${messageId}`, encodeManifest(manifest))
        await this.saveMeta(messageId, { digest: toHex(digest), cipherLength: manifest.cipherLength, complete: true })
      },
      abort: async () => { await this.delete(messageId) }
    }
  }

  async writer (messageId: string, digest: Uint8Array, manifest: Manifest, options: AbortOptions = {}): Promise<LocalBlobWriter> {
    this.check(messageId)
    await this.load()
    const known = this.index.get(messageId)
    if (known === undefined || known.digest !== toHex(digest)) {
      await this.delete(messageId)
      await this.put(`f!${messageId}`, encodeManifest(manifest))
      await this.saveMeta(messageId, { digest: toHex(digest), cipherLength: manifest.cipherLength, complete: false })
    }
    // the pieces an interrupted download left: the verified prefix stays, the rest goes
    let have = 0
    while (have < manifest.pieceDigests.length) {
      options.signal?.throwIfAborted()
      const bytes = await this.get(pieceKey(messageId, have))
      if (bytes?.length !== pieceLengthOf(manifest.cipherLength, have) || toHex(pieceDigest(bytes)) !== toHex(manifest.pieceDigests[have])) break
      have++
    }
    await this.clearRange(pieceKey(messageId, have), `p!${messageId}"`)
    return {
      have,
      write: async (index, bytes) => { await this.put(pieceKey(messageId, index), bytes) },
      complete: async () => { await this.saveMeta(messageId, { digest: toHex(digest), cipherLength: manifest.cipherLength, complete: true }) },
      abort: async () => {}
    }
  }

  async readPiece (messageId: string, index: number): Promise<Uint8Array | undefined> {
    if (!ID.test(messageId)) return undefined
    await this.load()
    const meta = this.index.get(messageId)
    if (meta === undefined || index < 0 || index * PIECE_SIZE >= meta.cipherLength) return undefined
    const bytes = await this.get(pieceKey(messageId, index))
    return bytes?.length === pieceLengthOf(meta.cipherLength, index) ? bytes : undefined
  }

  async manifest (messageId: string): Promise<Manifest | undefined> {
    if (!ID.test(messageId)) return undefined
    await this.load()
    const meta = this.index.get(messageId)
    if (meta?.complete !== true) return undefined
    const bytes = await this.get(`f!${messageId}`)
    return bytes === undefined ? undefined : decodeManifest(bytes, fromHex(meta.digest), MAX_CIPHER)
  }

  /** What `/parley/blob/1.0.0` serves from: the complete blobs, by digest (fetch only). */
  provider (): BlobProvider {
    const idOf = async (digest: Uint8Array): Promise<string | undefined> => { await this.load(); return this.index.idOf(digest) }
    return {
      manifest: async (digest) => {
        const id = await idOf(digest)
        return id === undefined ? undefined : await this.get(`f!${id}`)
      },
      readPiece: async (digest, index) => {
        const id = await idOf(digest)
        return id === undefined ? undefined : await this.readPiece(id, index)
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
    await (await this.load()).batch([{ type: 'del', key: k(`m!${messageId}`) }, { type: 'del', key: k(`f!${messageId}`) }])
    await this.clearRange(`p!${messageId}!`, `p!${messageId}"`)
  }

  /** Deletes every blob and the database itself: the account is gone (deleted, unlinked, expired). Once only. */
  async wipe (): Promise<void> {
    this.wiping ??= (async () => {
      this.index.clear()
      await this.closeDb()
      await deleteIndexedDb(IDB_BLOBS_PREFIX + this.name)
    })()
    await this.wiping
  }

  /** Closes the database (the `Parley` that opened it, on `stop()`); after a wipe, waits for it. */
  async close (): Promise<void> {
    if (this.wiping !== undefined) { await this.wiping; return }
    await this.closeDb()
  }
}
