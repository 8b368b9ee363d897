/** Named defaults of `/parley/blob/1.0.0` (docs/PROTOCOL.md §11, §10). */
import { PIECE_SIZE } from '../crypto/attachment/constants.js'

export const BLOB_PROTOCOL = '/parley/blob/1.0.0'

/** Pieces one FETCH may ask for (16 MiB); clients loop for more. */
export const MAX_PIECES_PER_FETCH = 64
/** Largest response frame a client reads: a piece, or a header with the manifest of a 2 GiB blob. */
export const MAX_BLOB_RESPONSE_FRAME_BYTES = Math.max(PIECE_SIZE, 8 + 32 * 8192) + 1024
/** Largest request frame a device's server reads (FETCH and DELETE carry no manifest). */
export const MAX_BLOB_FETCH_REQUEST_BYTES = 1024
/**
 * Pieces a client asks for per FETCH (16 MiB). The client's frame reader queues a whole answer
 * without pausing the stream ({@link BLOB_CLIENT_QUEUED_FRAMES}): a paused libp2p stream resets
 * once its read buffer passes 4 MiB, and yamux's window grows to 16 MiB, so pausing would not
 * bound it; the request does. Measured: 64 pieces per request ran at ~0.4–0.66× a raw stream
 * where 12 ran at ~0.25×.
 */
export const BLOB_FETCH_WINDOW = 64
/** Pieces a depositor sends ahead of the relay's acks (2 MiB: under the 4 MiB of a paused stream). */
export const BLOB_DEPOSIT_WINDOW = 8
/** Piece frames a client queues before it would pause the stream: more than one answer holds. */
export const BLOB_CLIENT_QUEUED_FRAMES = BLOB_FETCH_WINDOW + 2
/** Server: concurrent blob streams per remote peer. */
export const DEFAULT_BLOB_MAX_STREAMS_PER_PEER = 4
/** Server: concurrent blob streams in all. */
export const DEFAULT_BLOB_MAX_STREAMS = 64
/** Server: requests per second and burst per remote peer. */
export const DEFAULT_BLOB_PEER_RATE = { perSecond: 20, burst: 60 }
/** Server: requests per second and burst per remote address (IPv4, IPv6 /64). */
export const DEFAULT_BLOB_ADDRESS_RATE = { perSecond: 50, burst: 150 }
/** The request must arrive this soon after the stream opened. */
export const DEFAULT_BLOB_REQUEST_TIMEOUT_MS = 10_000
/** A piece write (server) or read (client) that waits longer than this fails the stream. */
export const DEFAULT_BLOB_PIECE_TIMEOUT_MS = 30_000
/** Server: an upload (DEPOSIT) that sends no piece for this long is dropped (its verified pieces stay for a resume). */
export const DEFAULT_BLOB_UPLOAD_IDLE_MS = 30_000
/**
 * Server: a whole upload must end within this grace plus its remaining bytes at
 * {@link DEFAULT_BLOB_UPLOAD_MIN_BYTES_PER_SECOND}: a trickle that beats the idle timer cannot
 * hold a slot for hours. A slow honest sender loses only the connection: it resumes.
 */
export const DEFAULT_BLOB_UPLOAD_GRACE_MS = 60_000
/** Server: the slowest average upload rate kept (16 KiB/s: 100 MiB in under 2 hours). */
export const DEFAULT_BLOB_UPLOAD_MIN_BYTES_PER_SECOND = 16 * 1024
