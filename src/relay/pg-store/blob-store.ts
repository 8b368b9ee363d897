/**
 * A fleet's attachments blob store in its PostgreSQL (schema 3), so that every member serves a
 * blob any member accepted: one row per piece in `blob_pieces` (pieces are the attachment
 * format's fixed 256 KiB units, each already verified against the manifest by the blob server),
 * the deposits per recipient mailbox in `blob_refs`, the blob itself (manifest, length,
 * completeness, upload lease) in `blobs`.
 *
 * Pieces in a table rather than large objects: a piece is the unit the protocol reads and
 * resumes by, so a row per piece is one index lookup per read and "how far did the upload get"
 * is a count; rows go in the same transactions as the quotas and deposits (a delete or an
 * expiry commits everything at once, cascading to the pieces: no orphaned large objects for
 * `vacuumlo` to find); and plain tables need no large-object privileges and travel with
 * `pg_dump -t` and logical replication, which does not carry large objects.
 *
 * Limits (docs/RELAY.md, "Blobs") are the fleet's and exact: every change to deposits, blobs or
 * shares locks the fleet's `blob_totals` row first, so the storage and blob-count caps, a
 * mailbox's bytes and an address's share (tags hashed with the fleet's key, as for envelopes)
 * count every member's deposits. One upload at a time per blob, fleet-wide: an upload holds a
 * lease on its blob row (renewed by every piece); a member that dies mid-upload leaves pieces
 * that a resume on any member continues from once the lease has lapsed. The upload byte rate
 * per address is per process, like the other rates.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { AbortOptions, Logger } from '@libp2p/interface'
import { toHex } from '../../bytes.js'
import { cipherLengthOf, PIECE_SIZE, pieceLengthOf } from '../../crypto/attachment/constants.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { BlobQuotaError, BlobTooLargeError } from '../../net/blob-errors.js'
import type { BlobDeposit, BlobRequester, DepositRequest } from '../../net/blob-provider.js'
import { NETWORK_LIMIT_FACTOR, RateLimiter } from '../../net/rate-limiter.js'
import { StoredByteShares, decodeShareTag } from '../byte-shares.js'
import type { BlobStore, BlobStoreLimits } from '../blob-store/types.js'
import type { DbRunner, Sql } from './db.js'
import { FLEET_EPOCH } from './shares.js'

/** An upload's hold on its blob: renewed by each piece written (ms). */
export const BLOB_UPLOAD_LEASE_MS = 60_000
/** How often the gauges' blob count and bytes are read back (ms). */
const TOTALS_REFRESH_MS = 5000

export interface PgBlobStoreInit {
  db: DbRunner
  limits: BlobStoreLimits
  /** The fleet's share-hash key (`parley_meta.share_key`), read at {@link PgBlobStore.open} (the mailbox store has it once open). */
  shareKey: () => Uint8Array
  log: Logger
  now?: () => number
  onStored?: (bytes: number) => void
  onServed?: (bytes: number) => void
  onQuotaRefused?: (quota: string) => void
}

const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)
const isForeignKeyViolation = (err: unknown): boolean => (err as { code?: unknown }).code === '23503'

interface RefRow { digest: Uint8Array, tag: string, cipher_length: string }

export class PgBlobStore implements BlobStore {
  private tagger: StoredByteShares | undefined
  private readonly byteRate: RateLimiter | undefined
  private readonly now: () => number
  private totals = { blobs: 0, bytes: 0 }
  private refresher: ReturnType<typeof setInterval> | undefined
  private closed = true

  constructor (private readonly init: PgBlobStoreInit) {
    this.now = init.now ?? Date.now
    this.byteRate = init.limits.blobByteRatePerAddress == null ? undefined : new RateLimiter(init.limits.blobByteRatePerAddress)
  }

  get maxManifestBytes (): number {
    return 8 + 32 * Math.ceil(cipherLengthOf(this.init.limits.blobMaxBytes) / PIECE_SIZE)
  }

  get blobCount (): number { return this.totals.blobs }
  get totalBytes (): number { return this.totals.bytes }

  async open (options: AbortOptions = {}): Promise<void> {
    const bytes = this.init.limits.blobStoredBytesPerAddress
    this.tagger = new StoredByteShares(bytes, bytes * NETWORK_LIMIT_FACTOR, { epoch: FLEET_EPOCH, key: this.init.shareKey() })
    await this.refresh(options)
    this.refresher = setInterval(() => {
      this.refresh().catch((err: unknown) => { this.init.log('blob totals not refreshed: %s', (err as Error).message) })
    }, TOTALS_REFRESH_MS)
    this.refresher.unref()
    this.closed = false
  }

  /** Stops taking deposits; the connections are the mailbox store's. */
  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.refresher)
  }

  private async refresh (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const [row] = await this.init.db.run(async (sql) => await sql<Array<{ blobs: number, bytes: string }>>`SELECT blobs, bytes FROM blob_totals WHERE id = 1`)
    if (row != null) this.totals = { blobs: row.blobs, bytes: Number(row.bytes) }
  }

  async manifest (digest: Uint8Array, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    options.signal?.throwIfAborted()
    const [row] = await this.init.db.run(async (sql) => await sql<Array<{ manifest: Uint8Array }>>`SELECT manifest FROM blobs WHERE digest = ${buf(digest)} AND complete`)
    return row == null ? undefined : Uint8Array.from(row.manifest)
  }

  async readPiece (digest: Uint8Array, index: number, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    options.signal?.throwIfAborted()
    if (!Number.isSafeInteger(index) || index < 0 || index > 2 ** 31 - 1) return undefined
    const [row] = await this.init.db.run(async (sql) => await sql<Array<{ body: Uint8Array, cipher_length: string }>>`
      SELECT p.body, b.cipher_length FROM blobs b JOIN blob_pieces p ON p.digest = b.digest AND p.idx = ${index}
      WHERE b.digest = ${buf(digest)} AND b.complete`)
    if (row == null || row.body.length !== pieceLengthOf(Number(row.cipher_length), index)) return undefined
    this.init.onServed?.(row.body.length)
    return Uint8Array.from(row.body)
  }

  async deposit (request: DepositRequest, requester: BlobRequester, options: AbortOptions = {}): Promise<BlobDeposit> {
    if (this.closed || this.tagger === undefined) throw new ParleyError('Relay is stopping', ErrorCode.SHUTTING_DOWN)
    options.signal?.throwIfAborted()
    const { manifest } = request
    const { limits } = this.init
    if (manifest.cipherLength > cipherLengthOf(limits.blobMaxBytes)) throw new BlobTooLargeError(`This relay takes files up to ${limits.blobMaxBytes} bytes`)
    if (request.mailbox.length !== 32) throw new ParleyError('Mailbox must be a 32-byte device key', ErrorCode.MALFORMED_REQUEST)
    if (request.deleteHash.length !== 0 && request.deleteHash.length !== 32) throw new ParleyError('Delete hash must be 32 bytes', ErrorCode.MALFORMED_REQUEST)
    const now = this.now()
    const cap = now + limits.blobRetentionMs
    const expiresAt = request.expiresAt > 0 ? Math.min(request.expiresAt, cap) : cap
    if (expiresAt <= now) throw new ParleyError('Deposit already expired', ErrorCode.EXPIRED)
    const tag = this.tagger.tagOf(requester.address)
    const uploader = randomBytes(8).toString('hex')
    const outcome = await this.init.db.tx(async (tx) => await this.admit(tx, request, toHex(request.mailbox), expiresAt, tag, uploader, now))
    if ('refusal' in outcome) {
      if (outcome.refusal instanceof BlobQuotaError) this.init.onQuotaRefused?.(outcome.quota ?? 'storage')
      throw outcome.refusal
    }
    // this process's gauges follow its own writes at once (the fleet's at the next refresh)
    if (outcome.created) this.moved(1, manifest.cipherLength)
    if (outcome.complete) return { have: manifest.pieceDigests.length, write: async () => {}, complete: async () => {}, abort: async () => {} }
    return this.upload(request.digest, outcome.have, manifest.pieceDigests.length, Number(manifest.cipherLength), uploader, requester)
  }

  /** The deposit's checks and writes, in one transaction under the fleet's `blob_totals` lock. */
  private async admit (tx: Sql, request: DepositRequest, mailbox: string, expiresAt: number, tag: number, uploader: string, now: number): Promise<{ complete: boolean, have: number, created: boolean } | { refusal: ParleyError, quota?: string }> {
    const { limits } = this.init
    const digest = buf(request.digest)
    const size = request.manifest.cipherLength
    const [totals] = await tx<Array<{ blobs: number, bytes: string }>>`SELECT blobs, bytes FROM blob_totals WHERE id = 1 FOR UPDATE`
    const [blob] = await tx<Array<{ complete: boolean, uploader: string | null, upload_until: string | null }>>`SELECT complete, uploader, upload_until FROM blobs WHERE digest = ${digest} FOR UPDATE`
    const [ref] = blob == null ? [] : await tx<Array<{ expires_at: string, delete_hash: string }>>`SELECT expires_at, delete_hash FROM blob_refs WHERE digest = ${digest} AND mailbox = ${mailbox}`
    const quota = (name: string, message: string): { refusal: ParleyError, quota: string } => ({ refusal: new BlobQuotaError(message), quota: name })
    if (ref == null) {
      const [held] = await tx<Array<{ bytes: string }>>`SELECT coalesce(sum(b.cipher_length), 0)::text AS bytes FROM blob_refs r JOIN blobs b ON b.digest = r.digest WHERE r.mailbox = ${mailbox}`
      if (Number(held.bytes) + size > limits.blobMailboxMaxBytes) return quota('mailbox', 'The recipient\'s blob quota at this relay is full')
      const share = await this.shareRefusal(tx, tag, size)
      if (share !== undefined) return quota(share, 'This address\'s share of the relay\'s blob storage is full')
    }
    const leased = blob?.upload_until != null && Number(blob.upload_until) > now
    if (blob != null && !blob.complete && leased) return { refusal: new ParleyError('This blob is being uploaded', ErrorCode.TOO_MANY_REQUESTS) }
    if (blob == null) {
      if (Number(totals.bytes) + size > limits.blobStorageMaxBytes) return quota('storage', 'This relay\'s blob storage is full')
      if (totals.blobs >= limits.blobMaxBlobs) return quota('blobs', 'This relay holds as many blobs as it takes')
      await tx`INSERT INTO blobs (digest, cipher_length, pieces, manifest) VALUES (${digest}, ${size}, ${request.manifest.pieceDigests.length}, ${buf(request.manifestBytes)})`
      await tx`UPDATE blob_totals SET blobs = blobs + 1, bytes = bytes + ${size} WHERE id = 1`
    }
    const deleteHash = toHex(request.deleteHash)
    if (ref == null) {
      await tx`INSERT INTO blob_refs (digest, mailbox, expires_at, delete_hash, tag) VALUES (${digest}, ${mailbox}, ${expiresAt}, ${deleteHash}, ${tag})`
      await this.moveShare(tx, tag, size, 1)
    } else {
      await tx`UPDATE blob_refs SET expires_at = greatest(expires_at, ${expiresAt}), delete_hash = CASE WHEN delete_hash = '' THEN ${deleteHash} ELSE delete_hash END
        WHERE digest = ${digest} AND mailbox = ${mailbox}`
    }
    if (blob?.complete === true) return { complete: true, have: 0, created: false }
    await tx`UPDATE blobs SET uploader = ${uploader}, upload_until = ${now + BLOB_UPLOAD_LEASE_MS} WHERE digest = ${digest}`
    // pieces are written in order, each in its own statement: what is there is a prefix
    const [pieces] = await tx<Array<{ n: number }>>`SELECT count(*)::int AS n FROM blob_pieces WHERE digest = ${digest}`
    return { complete: false, have: pieces.n, created: blob == null }
  }

  /** The share rows of a tag: address (kind 0) and, for IPv6, its /48 (kind 1). */
  private shareRows (tag: number): Array<{ kind: number, bucket: number, max: number, maxBlobs: number }> {
    const at = decodeShareTag(tag, FLEET_EPOCH)
    if (at == null) return []
    const { blobStoredBytesPerAddress: bytes, blobsPerAddress: blobs } = this.init.limits
    const rows = [{ kind: 0, bucket: at.address, max: bytes, maxBlobs: blobs }]
    if (at.network != null) rows.push({ kind: 1, bucket: at.network, max: bytes * NETWORK_LIMIT_FACTOR, maxBlobs: blobs * NETWORK_LIMIT_FACTOR })
    return rows
  }

  private async shareRefusal (tx: Sql, tag: number, size: number): Promise<string | undefined> {
    for (const row of this.shareRows(tag)) {
      const [held] = await tx<Array<{ bytes: string, blobs: number }>>`SELECT bytes, blobs FROM blob_shares WHERE kind = ${row.kind} AND bucket = ${row.bucket}`
      const scope = row.kind === 0 ? 'address' : 'network'
      if (Number(held?.bytes ?? 0) + size > row.max) return `${scope}_bytes`
      if ((held?.blobs ?? 0) + 1 > row.maxBlobs) return `${scope}_blobs`
    }
    return undefined
  }

  private async moveShare (tx: Sql, tag: number, bytes: number, blobs: number): Promise<void> {
    for (const row of this.shareRows(tag)) {
      await tx`INSERT INTO blob_shares (kind, bucket, bytes, blobs) VALUES (${row.kind}, ${row.bucket}, greatest(0, ${bytes}::bigint), greatest(0, ${blobs}::int))
        ON CONFLICT (kind, bucket) DO UPDATE SET bytes = greatest(0, blob_shares.bytes + ${bytes}::bigint), blobs = greatest(0, blob_shares.blobs + ${blobs}::int)`
    }
  }

  /** An upload from piece `have` on, holding the blob's lease as `uploader`. */
  private upload (digestBytes: Uint8Array, have: number, pieces: number, cipherLength: number, uploader: string, requester: BlobRequester): BlobDeposit {
    const digest = buf(digestBytes)
    let next = have
    let done = false
    const gone = (): ParleyError => new ParleyError('Blob deleted during its upload', ErrorCode.NOT_FOUND)
    const release = async (): Promise<void> => {
      if (done) return
      done = true
      await this.init.db.run(async (sql) => await sql`UPDATE blobs SET uploader = NULL, upload_until = NULL WHERE digest = ${digest} AND uploader = ${uploader}`)
    }
    return {
      have,
      write: async (index, bytes) => {
        if (done) throw new ParleyError('Upload already ended', ErrorCode.MALFORMED_REQUEST)
        if (index !== next) throw new ParleyError(`Expected piece ${next}, got ${index}`, ErrorCode.MALFORMED_REQUEST)
        if (index >= pieces || bytes.length !== pieceLengthOf(cipherLength, index)) throw new ParleyError(`Piece ${index} has the wrong length`, ErrorCode.MALFORMED_REQUEST)
        if (this.byteRate !== undefined && requester.address !== undefined && !this.byteRate.take(requester.address.address, bytes.length)) {
          throw new ParleyError('Blob upload rate exceeded for this address', ErrorCode.RATE_LIMITED)
        }
        const renewed = await this.init.db.tx(async (tx) => {
          const [lease] = await tx<Array<{ digest: Uint8Array }>>`UPDATE blobs SET upload_until = ${this.now() + BLOB_UPLOAD_LEASE_MS} WHERE digest = ${digest} AND uploader = ${uploader} RETURNING digest`
          if (lease == null) return false
          await tx`INSERT INTO blob_pieces (digest, idx, body) VALUES (${digest}, ${index}, ${buf(bytes)})`
          return true
        }).catch((err: unknown) => { if (isForeignKeyViolation(err)) return false; throw err })
        if (!renewed) { done = true; throw gone() }
        next++
      },
      complete: async () => {
        if (done) throw gone()
        const completed = await this.init.db.run(async (sql) => await sql<Array<{ digest: Uint8Array }>>`
          UPDATE blobs SET complete = true, uploader = NULL, upload_until = NULL
          WHERE digest = ${digest} AND uploader = ${uploader} AND (SELECT count(*) FROM blob_pieces WHERE digest = ${digest}) = pieces RETURNING digest`)
        done = true
        if (completed.length === 0) throw gone()
        this.init.onStored?.(cipherLength)
      },
      abort: release
    }
  }

  async delete (digest: Uint8Array, token: Uint8Array, _requester?: BlobRequester, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    if (token.length === 0) return false
    const hash = createHash('sha256').update(token).digest('hex')
    const deleted = await this.init.db.tx(async (tx) => {
      await tx`SELECT 1 FROM blob_totals WHERE id = 1 FOR UPDATE`
      const gone = await tx<RefRow[]>`DELETE FROM blob_refs r USING blobs b WHERE r.digest = ${buf(digest)} AND r.delete_hash = ${hash} AND b.digest = r.digest
        RETURNING r.digest, r.tag, b.cipher_length`
      return { found: gone.length > 0, dropped: await this.settle(tx, gone, this.now()) }
    })
    this.moved(-deleted.dropped.blobs, -deleted.dropped.bytes)
    return deleted.found
  }

  private moved (blobs: number, bytes: number): void {
    this.totals = { blobs: Math.max(0, this.totals.blobs + blobs), bytes: Math.max(0, this.totals.bytes + bytes) }
  }

  async deleteExpired (now: number, options: AbortOptions = {}): Promise<number> {
    options.signal?.throwIfAborted()
    const removed = await this.init.db.tx(async (tx) => {
      await tx`SELECT 1 FROM blob_totals WHERE id = 1 FOR UPDATE`
      const gone = await tx<RefRow[]>`DELETE FROM blob_refs r USING blobs b WHERE r.expires_at <= ${now} AND b.digest = r.digest RETURNING r.digest, r.tag, b.cipher_length`
      return await this.settle(tx, gone, now, true)
    })
    this.moved(-removed.blobs, -removed.bytes)
    await this.refresh(options)
    return removed.blobs
  }

  async purgeMailbox (mailbox: string, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const dropped = await this.init.db.tx(async (tx) => {
      await tx`SELECT 1 FROM blob_totals WHERE id = 1 FOR UPDATE`
      const gone = await tx<RefRow[]>`DELETE FROM blob_refs r USING blobs b WHERE r.mailbox = ${mailbox.toLowerCase()} AND b.digest = r.digest RETURNING r.digest, r.tag, b.cipher_length`
      return await this.settle(tx, gone, this.now())
    })
    this.moved(-dropped.blobs, -dropped.bytes)
  }

  /**
   * Releases the shares of deposits removed (the caller holds the totals lock) and drops the
   * blobs left without a deposit and not being uploaded (`all`: every such blob, for the sweep;
   * else only those just touched). Returns the blobs dropped and their bytes.
   */
  private async settle (tx: Sql, gone: RefRow[], now: number, all = false): Promise<{ blobs: number, bytes: number }> {
    for (const ref of gone) await this.moveShare(tx, Number(ref.tag), -Number(ref.cipher_length), -1)
    const touched = [...new Map(gone.map((r) => [toHex(r.digest), buf(r.digest)])).values()]
    if (!all && touched.length === 0) return { blobs: 0, bytes: 0 }
    const dropped = await tx<Array<{ cipher_length: string }>>`
      DELETE FROM blobs b WHERE (${all} OR b.digest = ANY(${touched}::bytea[]))
      AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.digest = b.digest)
      AND (b.upload_until IS NULL OR b.upload_until <= ${now}) RETURNING cipher_length`
    const bytes = dropped.reduce((s, r) => s + Number(r.cipher_length), 0)
    if (dropped.length > 0) await tx`UPDATE blob_totals SET blobs = greatest(0, blobs - ${dropped.length}), bytes = greatest(0, bytes - ${bytes}) WHERE id = 1`
    return { blobs: dropped.length, bytes }
  }
}
