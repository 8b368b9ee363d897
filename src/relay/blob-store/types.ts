/**
 * The relay's blob store behind a small interface (docs/RELAY.md, "Blobs"): files today
 * (`FileBlobStore`), another backend (PostgreSQL large objects, S3) later. It is the relay's
 * `BlobProvider` for `/parley/blob/1.0.0`: deposits for offline recipients, fetch by digest,
 * delete by token, expiry.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { BlobProvider } from '../../net/blob-provider.js'
import type { RateLimit } from '../../net/rate-limiter.js'

/** The operator's limits on blobs (the `blob*` fields of the relay's `limits`). */
export interface BlobStoreLimits {
  /** Largest file accepted, in plaintext bytes (its ciphertext may be up to ~3 % larger). */
  blobMaxBytes: number
  /** Blob bytes (ciphertext) deposited for one mailbox and held at once. */
  blobMailboxMaxBytes: number
  /** Blob bytes the whole relay holds. */
  blobStorageMaxBytes: number
  /** Blobs the whole relay holds. */
  blobMaxBlobs: number
  /** Longest a blob is kept (never past its deposit's `expires_at`, the message's lifetime). */
  blobRetentionMs: number
  /** Uploaded bytes per remote address (token bucket over bytes); null turns it off. */
  blobByteRatePerAddress: RateLimit | null
  /** Blob bytes held for the deposits one remote address made (an IPv6 /48: 8 ×). */
  blobStoredBytesPerAddress: number
  /** Blobs (deposits) held for one remote address (an IPv6 /48: 8 ×). */
  blobsPerAddress: number
}

/** What the relay's sweeps, metrics and account deletion need besides serving. */
export interface BlobStore extends BlobProvider {
  /** Opens the store (reads what survived a restart). */
  open: (options?: AbortOptions) => Promise<void>
  /** Stops taking deposits and closes open files. */
  close: () => Promise<void>
  /** Drops every deposit whose lifetime ended (and its blob when no deposit is left); returns blobs removed. */
  deleteExpired: (now: number, options?: AbortOptions) => Promise<number>
  /** Drops every deposit for a mailbox (hex device key, as the mailbox store names it): purged or deleted by its owner. */
  purgeMailbox: (mailbox: string, options?: AbortOptions) => Promise<void>
  /** Blobs held (whole or being uploaded). */
  readonly blobCount: number
  /** Ciphertext bytes reserved by those blobs. */
  readonly totalBytes: number
}
