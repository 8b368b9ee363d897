/**
 * The relay's blob store on the file system: one directory per blob under `<dataDir>/blobs/`
 * (`<2 hex>/<digest hex>/`) holding `manifest` (the piece digests), `pieces` (the ciphertext,
 * written in order) and `meta.json` (length, completeness, and one deposit per recipient
 * mailbox: its expiry and the SHA-256 of its delete token). Nothing in it can be opened without
 * the attachment key, which never reaches a relay.
 *
 * Limits (docs/RELAY.md, "Blobs"): the largest file, bytes per mailbox and in total, blob
 * count, retention (never past the deposit's expiry), uploaded bytes per remote address. Every
 * size check happens on the manifest, before a piece is read. A broken upload keeps its
 * verified pieces until its deposit expires, and resumes from them. A full disk (docs/RELAY.md,
 * "A full disk"): `ERR_STORAGE_FULL`, and the failed deposit leaves nothing counted or on disk.
 */
import { createHash } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbortOptions, ComponentLogger, Logger } from '@libp2p/interface'
import { toHex } from '../../bytes.js'
import { cipherLengthOf, PIECE_SIZE, pieceLengthOf } from '../../crypto/attachment/constants.js'
import { type Manifest, pieceDigest } from '../../crypto/attachment/pieces.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { BlobQuotaError, BlobTooLargeError } from '../../net/blob-errors.js'
import type { BlobDeposit, BlobRequester, DepositRequest } from '../../net/blob-provider.js'
import { RateLimiter } from '../../net/rate-limiter.js'
import type { AddressKeys } from '../../net/remote-address.js'
import type { BlobStore, BlobStoreLimits } from './types.js'
import { BlobAddressShares } from './address-shares.js'
import { BlobStorageFullError, diskFullOr, hasRoom, isDiskFull } from './disk-space.js'

interface Ref {
  mailbox: string
  expiresAt: number
  /** Hex SHA-256 of the delete token; '' = not deletable by token. */
  deleteHash: string
  /** The depositor's address share it counts against (this process only: never persisted). */
  tag?: number
}

interface Entry {
  digest: string
  cipherLength: number
  pieces: number
  complete: boolean
  refs: Ref[]
  /** An upload is writing it now (one at a time). */
  uploading: boolean
}

interface Meta {
  cipherLength: number
  complete: boolean
  refs: Ref[]
}

export interface FileBlobStoreOptions {
  logger: ComponentLogger
  /** Clock, for tests. */
  now?: () => number
  /** A deposit was completed (metrics). */
  onStored?: (bytes: number) => void
  /** A piece was read to be served (metrics: bytes fetched from this relay). */
  onServed?: (bytes: number) => void
  /** A deposit was refused for a full quota: `mailbox`, `storage`, `blobs`, `disk` (no room on the file system), or an address share (`address_bytes`, `network_blobs`…). */
  onQuotaRefused?: (quota: string) => void
  /** Free bytes left on the file system for the rest of the relay (the mailbox store): a deposit that would eat into them is refused. @default 16 MiB */
  diskReserveBytes?: number
}

export class FileBlobStore implements BlobStore {
  private readonly entries = new Map<string, Entry>()
  private readonly mailboxBytes = new Map<string, number>()
  private readonly byteRate: RateLimiter | undefined
  private readonly shares: BlobAddressShares
  private readonly log: Logger
  private readonly now: () => number
  private total = 0
  /** Ciphertext bytes of the uploads in progress (not on disk yet, but promised room). */
  private uploadingBytes = 0
  private closed = true

  constructor (private readonly dir: string, private readonly limits: BlobStoreLimits, private readonly options: FileBlobStoreOptions) {
    this.log = options.logger.forComponent('parley:relay:blobs')
    this.now = options.now ?? Date.now
    this.byteRate = limits.blobByteRatePerAddress == null ? undefined : new RateLimiter(limits.blobByteRatePerAddress)
    this.shares = new BlobAddressShares(limits.blobStoredBytesPerAddress, limits.blobsPerAddress)
  }

  /** Largest manifest a deposit can carry under the size cap (bounds the request frame). */
  get maxManifestBytes (): number {
    return 8 + 32 * Math.ceil(cipherLengthOf(this.limits.blobMaxBytes) / PIECE_SIZE)
  }

  get blobCount (): number { return this.entries.size }
  get totalBytes (): number { return this.total }

  private path (digest: string, file?: string): string {
    const base = join(this.dir, digest.slice(0, 2), digest)
    return file === undefined ? base : join(base, file)
  }

  async open (options: AbortOptions = {}): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    for (const prefix of await readdir(this.dir)) {
      options.signal?.throwIfAborted()
      for (const digest of await readdir(join(this.dir, prefix)).catch(() => [] as string[])) {
        try {
          const meta = JSON.parse(await readFile(this.path(digest, 'meta.json'), 'utf8')) as Meta
          this.admit({ digest, cipherLength: meta.cipherLength, pieces: Math.ceil(meta.cipherLength / PIECE_SIZE), complete: meta.complete, refs: meta.refs, uploading: false })
        } catch (err) {
          this.log.error('dropping unreadable blob %s - %e', digest, err)
          await rm(this.path(digest), { recursive: true, force: true })
        }
      }
    }
    this.closed = false
  }

  async close (): Promise<void> {
    this.closed = true
  }

  private admit (entry: Entry): void {
    this.entries.set(entry.digest, entry)
    this.total += entry.cipherLength
    for (const ref of entry.refs) this.mailboxBytes.set(ref.mailbox, (this.mailboxBytes.get(ref.mailbox) ?? 0) + entry.cipherLength)
  }

  private dropRef (entry: Entry, ref: Ref): void {
    entry.refs = entry.refs.filter((r) => r !== ref)
    if (ref.tag !== undefined) this.shares.remove(ref.tag, entry.cipherLength)
    const left = (this.mailboxBytes.get(ref.mailbox) ?? 0) - entry.cipherLength
    if (left <= 0) this.mailboxBytes.delete(ref.mailbox)
    else this.mailboxBytes.set(ref.mailbox, left)
  }

  private async remove (entry: Entry): Promise<void> {
    for (const ref of [...entry.refs]) this.dropRef(entry, ref)
    if (this.entries.get(entry.digest) === entry) {
      this.entries.delete(entry.digest)
      this.total -= entry.cipherLength
    }
    await rm(this.path(entry.digest), { recursive: true, force: true })
  }

  private async persist (entry: Entry): Promise<void> {
    if (this.entries.get(entry.digest) !== entry) return
    const meta: Meta = { cipherLength: entry.cipherLength, complete: entry.complete, refs: entry.refs.map(({ tag, ...ref }) => ref) }
    const tmp = this.path(entry.digest, 'meta.json.tmp')
    await writeFile(tmp, JSON.stringify(meta))
    await rename(tmp, this.path(entry.digest, 'meta.json'))
  }

  /** {@link persist} where the in-memory state is right either way (a sweep, a delete): a failure is logged, not thrown. */
  private async persistOrLog (entry: Entry): Promise<void> {
    await this.persist(entry).catch((err: unknown) => {
      this.log.error('could not rewrite the deposits of blob %s (kept in memory; the old list returns after a restart) - %e', entry.digest, err)
    })
  }

  /** A deposit that failed on the disk leaves nothing counted: its ref is dropped, and the blob (its files) when no other deposit holds it. */
  private async undo (entry: Entry, added: Ref | undefined): Promise<void> {
    if (added !== undefined && entry.refs.includes(added)) this.dropRef(entry, added)
    if (entry.refs.length === 0 && !entry.uploading) await this.remove(entry)
    else await this.persistOrLog(entry)
  }

  async manifest (digest: Uint8Array): Promise<Uint8Array | undefined> {
    const entry = this.entries.get(toHex(digest))
    if (entry?.complete !== true) return undefined
    return new Uint8Array(await readFile(this.path(entry.digest, 'manifest')))
  }

  async readPiece (digest: Uint8Array, index: number): Promise<Uint8Array | undefined> {
    const entry = this.entries.get(toHex(digest))
    if (entry?.complete !== true || index < 0 || index >= entry.pieces) return undefined
    const length = pieceLengthOf(entry.cipherLength, index)
    const fh = await open(this.path(entry.digest, 'pieces'), 'r')
    try {
      const out = new Uint8Array(length)
      const { bytesRead } = await fh.read(out, 0, length, index * PIECE_SIZE)
      if (bytesRead !== length) return undefined
      this.options.onServed?.(length)
      return out
    } finally {
      await fh.close()
    }
  }

  async deposit (request: DepositRequest, requester: BlobRequester): Promise<BlobDeposit> {
    if (this.closed) throw new ParleyError('Relay is stopping', ErrorCode.SHUTTING_DOWN)
    const { manifest } = request
    if (manifest.cipherLength > cipherLengthOf(this.limits.blobMaxBytes)) {
      throw new BlobTooLargeError(`This relay takes files up to ${this.limits.blobMaxBytes} bytes`)
    }
    if (request.mailbox.length !== 32) throw new ParleyError('Mailbox must be a 32-byte device key', ErrorCode.MALFORMED_REQUEST)
    if (request.deleteHash.length !== 0 && request.deleteHash.length !== 32) throw new ParleyError('Delete hash must be 32 bytes', ErrorCode.MALFORMED_REQUEST)
    const now = this.now()
    const cap = now + this.limits.blobRetentionMs
    const expiresAt = request.expiresAt > 0 ? Math.min(request.expiresAt, cap) : cap
    if (expiresAt <= now) throw new ParleyError('Deposit already expired', ErrorCode.EXPIRED)
    const digest = toHex(request.digest)
    const mailbox = toHex(request.mailbox)
    // room on the disk first (its one await), then every count with no await in between
    if (this.entries.get(digest)?.complete !== true && !await hasRoom(this.dir, manifest.cipherLength + this.uploadingBytes, this.options.diskReserveBytes)) throw this.quotaFull('disk', 'Relay disk is full; try later or another relay', BlobStorageFullError)
    if (this.closed) throw new ParleyError('Relay is stopping', ErrorCode.SHUTTING_DOWN)
    let entry = this.entries.get(digest)
    const ref = entry?.refs.find((r) => r.mailbox === mailbox)
    const tag = this.shares.tagOf(requester.address)
    if (ref === undefined) {
      if ((this.mailboxBytes.get(mailbox) ?? 0) + manifest.cipherLength > this.limits.blobMailboxMaxBytes) {
        throw this.quotaFull('mailbox', 'The recipient\'s blob quota at this relay is full')
      }
      // a new deposit counts against its depositor's address share, whatever PeerId or mailbox it names
      const share = this.shares.refusal(tag, manifest.cipherLength)
      if (share !== undefined) throw this.quotaFull(share, 'This address\'s share of the relay\'s blob storage is full')
    }
    if (entry?.uploading === true) throw new ParleyError('This blob is being uploaded', ErrorCode.TOO_MANY_REQUESTS)
    // every count and the upload lock are taken before the first await: concurrent deposits
    // (a flood through many PeerIds at once) each see the ones before them
    const created = entry === undefined
    if (entry === undefined) {
      if (this.total + manifest.cipherLength > this.limits.blobStorageMaxBytes) throw this.quotaFull('storage', 'This relay\'s blob storage is full')
      if (this.entries.size >= this.limits.blobMaxBlobs) throw this.quotaFull('blobs', 'This relay holds as many blobs as it takes')
      entry = { digest, cipherLength: manifest.cipherLength, pieces: manifest.pieceDigests.length, complete: false, refs: [], uploading: false }
      this.admit(entry)
    }
    const deleteHash = toHex(request.deleteHash)
    let added: Ref | undefined
    if (ref === undefined) {
      added = { mailbox, expiresAt, deleteHash, tag }
      entry.refs.push(added)
      this.mailboxBytes.set(mailbox, (this.mailboxBytes.get(mailbox) ?? 0) + entry.cipherLength)
      this.shares.add(tag, entry.cipherLength)
    } else {
      ref.expiresAt = Math.max(ref.expiresAt, expiresAt)
      if (ref.deleteHash === '') ref.deleteHash = deleteHash
    }
    if (entry.complete) {
      try {
        await this.persist(entry)
      } catch (err) {
        if (isDiskFull(err)) await this.undo(entry, added)
        throw diskFullOr(err)
      }
      return { have: entry.pieces, write: async () => {}, complete: async () => {}, abort: async () => {} }
    }
    entry.uploading = true
    try {
      if (created) {
        await mkdir(this.path(digest), { recursive: true })
        await writeFile(this.path(digest, 'manifest'), request.manifestBytes)
      }
      await this.persist(entry)
    } catch (err) {
      entry.uploading = false
      if (created || isDiskFull(err)) await this.undo(entry, added)
      throw diskFullOr(err)
    }
    return await this.upload(entry, manifest, requester, added)
  }

  /** Checks the pieces a broken upload left, keeps the good prefix, and opens the file for the rest (the caller holds the upload lock). */
  private async upload (entry: Entry, manifest: Manifest, requester: BlobRequester, added: Ref | undefined): Promise<BlobDeposit> {
    let file: FileHandle | undefined
    let have = 0
    this.uploadingBytes += entry.cipherLength
    try {
      file = await open(this.path(entry.digest, 'pieces'), 'a+')
      const { size } = await file.stat()
      while (have < entry.pieces) {
        const length = pieceLengthOf(entry.cipherLength, have)
        if (have * PIECE_SIZE + length > size) break
        const buf = new Uint8Array(length)
        await file.read(buf, 0, length, have * PIECE_SIZE)
        if (toHex(pieceDigest(buf)) !== toHex(manifest.pieceDigests[have])) break
        have++
      }
      await file.close()
      file = await open(this.path(entry.digest, 'pieces'), 'r+')
      await file.truncate(have * PIECE_SIZE)
    } catch (err) {
      await file?.close()
      entry.uploading = false
      this.uploadingBytes -= entry.cipherLength
      if (isDiskFull(err)) await this.undo(entry, added)
      throw diskFullOr(err)
    }
    const fh = file
    let done = false
    const finish = async (): Promise<void> => {
      if (done) return
      done = true
      entry.uploading = false
      this.uploadingBytes -= entry.cipherLength
      await fh.close()
    }
    /** The disk filled up under this upload: nothing of it stays counted (or on disk, when no other deposit holds the blob). */
    const full = async (err: unknown): Promise<never> => {
      await finish().catch((closeErr: unknown) => { this.log.error('could not close blob %s - %e', entry.digest, closeErr) })
      entry.complete = false
      this.log.error('disk full while storing blob %s: deposit refused, its pieces dropped', entry.digest)
      await this.undo(entry, added)
      throw new BlobStorageFullError(undefined, { cause: err })
    }
    return {
      have,
      write: async (index, bytes) => {
        if (index !== have) throw new ParleyError(`Expected piece ${have}, got ${index}`, ErrorCode.MALFORMED_REQUEST)
        if (this.byteRate !== undefined && requester.address !== undefined && !this.byteRate.take(requester.address.address, bytes.length)) {
          throw new ParleyError('Blob upload rate exceeded for this address', ErrorCode.RATE_LIMITED)
        }
        if (this.entries.get(entry.digest) !== entry) throw new ParleyError('Blob deleted during its upload', ErrorCode.NOT_FOUND)
        try {
          // a write the disk cut short is finished (the rest hits ENOSPC), never counted as a whole piece
          for (let off = 0, n = 0; off < bytes.length; off += n) {
            n = (await fh.write(bytes, off, bytes.length - off, index * PIECE_SIZE + off)).bytesWritten
            if (n === 0) throw Object.assign(new Error('No space left on device (nothing written)'), { code: 'ENOSPC' })
          }
        } catch (err) {
          if (isDiskFull(err)) await full(err)
          throw err
        }
        have++
      },
      complete: async () => {
        try {
          await fh.sync()
          await finish()
          if (this.entries.get(entry.digest) !== entry) throw new ParleyError('Blob deleted during its upload', ErrorCode.NOT_FOUND)
          entry.complete = true
          await this.persist(entry)
        } catch (err) {
          if (isDiskFull(err)) await full(err)
          throw err
        }
        this.options.onStored?.(entry.cipherLength)
      },
      abort: finish
    }
  }

  async delete (digest: Uint8Array, token: Uint8Array): Promise<boolean> {
    const entry = this.entries.get(toHex(digest))
    if (entry === undefined || token.length === 0) return false
    const hash = createHash('sha256').update(token).digest('hex')
    const matching = entry.refs.filter((r) => r.deleteHash !== '' && r.deleteHash === hash)
    if (matching.length === 0) return false
    for (const ref of matching) this.dropRef(entry, ref)
    if (entry.refs.length === 0) await this.remove(entry)
    else await this.persistOrLog(entry)
    return true
  }

  async deleteExpired (now: number, options: AbortOptions = {}): Promise<number> {
    let removed = 0
    for (const entry of [...this.entries.values()]) {
      options.signal?.throwIfAborted()
      const expired = entry.refs.filter((r) => r.expiresAt <= now)
      if (expired.length === 0) continue
      for (const ref of expired) this.dropRef(entry, ref)
      if (entry.refs.length === 0 && !entry.uploading) {
        await this.remove(entry)
        removed++
      } else {
        await this.persistOrLog(entry)
      }
    }
    return removed
  }

  async purgeMailbox (mailbox: string, options: AbortOptions = {}): Promise<void> {
    const key = mailbox.toLowerCase()
    for (const entry of [...this.entries.values()]) {
      options.signal?.throwIfAborted()
      const ref = entry.refs.find((r) => r.mailbox === key)
      if (ref === undefined) continue
      this.dropRef(entry, ref)
      if (entry.refs.length === 0 && !entry.uploading) await this.remove(entry)
      else await this.persistOrLog(entry)
    }
  }

  private quotaFull (quota: string, message: string, Refusal: new (message: string) => ParleyError = BlobQuotaError): ParleyError {
    this.options.onQuotaRefused?.(quota)
    return new Refusal(message)
  }

  /** Ciphertext bytes held for deposits from `keys`'s address (tests, diagnostics). */
  heldByAddress (keys: AddressKeys): number {
    return this.shares.heldBy(this.shares.tagOf(keys))
  }

  /** Mailboxes (hex device keys) with blobs deposited for them, and the bytes (tests, tools). */
  mailboxUsage (): Map<string, number> {
    return new Map(this.mailboxBytes)
  }
}
