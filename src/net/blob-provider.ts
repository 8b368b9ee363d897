/**
 * What a `/parley/blob/1.0.0` server serves from: a device's blob files (fetch only) or a
 * relay's blob store (fetch, deposit, delete). Throwing a ParleyError refuses with its code.
 */
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { Manifest } from '../crypto/attachment/pieces.js'
import type { AddressKeys } from './remote-address.js'

/** Who is asking: for quotas and per-peer/per-address limits. */
export interface BlobRequester {
  peer: PeerId
  /** Rate-limit keys of the remote address; undefined when exempt or unknown. */
  address: AddressKeys | undefined
}

/** A deposit as the relay receives it (manifest already checked against the digest). */
export interface DepositRequest {
  digest: Uint8Array
  manifest: Manifest
  /** The manifest's bytes as sent (stored as they are). */
  manifestBytes: Uint8Array
  /** Recipient device key: whose quota it counts against. */
  mailbox: Uint8Array
  /** ms since epoch; 0 = the relay's own retention. */
  expiresAt: number
  /** SHA-256 of the delete token (32 bytes), or empty: not deletable before expiry. */
  deleteHash: Uint8Array
}

/** An upload in progress. */
export interface BlobDeposit {
  /** Pieces already held, from piece 0: the client sends from here (resumed upload). */
  readonly have: number
  /** Stores piece `index` (already verified against the manifest), in order. Throws a ParleyError to stop. */
  write: (index: number, bytes: Uint8Array, options?: AbortOptions) => Promise<void>
  /** Every piece is in: the blob becomes fetchable. */
  complete: (options?: AbortOptions) => Promise<void>
  /** The upload stopped early: the pieces written so far stay for a resume until they expire. */
  abort: () => Promise<void>
}

export interface BlobProvider {
  /** The manifest bytes of a blob held whole, or undefined. */
  manifest: (digest: Uint8Array, options?: AbortOptions) => Promise<Uint8Array | undefined>
  /** Piece `index` of a blob held whole, or undefined. */
  readPiece: (digest: Uint8Array, index: number, options?: AbortOptions) => Promise<Uint8Array | undefined>
  /** Relays: starts (or resumes) a deposit; absent on devices (refused `ERR_NOT_ALLOWED`). */
  deposit?: (request: DepositRequest, requester: BlobRequester, options?: AbortOptions) => Promise<BlobDeposit>
  /** Relays: deletes a blob whose deposit named SHA-256(token); false when none did. */
  delete?: (digest: Uint8Array, token: Uint8Array, requester: BlobRequester, options?: AbortOptions) => Promise<boolean>
  /** Largest manifest a deposit may carry, in bytes (bounds the request frame). @default 1024 */
  readonly maxManifestBytes?: number
}
