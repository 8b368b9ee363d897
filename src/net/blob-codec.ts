/** Encoding and checks of `/parley/blob/1.0.0` frames (src/wire/blob.proto). */
import { BlobRequest, BlobResponse } from '../wire/blob.js'
import { MalformedFrameError } from './errors.js'
import { BLOB_PROTOCOL } from './blob-constants.js'

export { BLOB_PROTOCOL, BlobRequest, BlobResponse }

/** Decodes a request frame; `MalformedFrameError` for anything that is not one. */
export function decodeBlobRequest (frame: Uint8Array): BlobRequest {
  let request: BlobRequest
  try {
    request = BlobRequest.decode(frame)
  } catch (err) {
    throw new MalformedFrameError(`Not a blob request: ${(err as Error).message}`)
  }
  if (request.digest.length !== 32) throw new MalformedFrameError('Blob digest must be 32 bytes')
  return request
}

/** Decodes a response frame; `MalformedFrameError` for anything that is not one. */
export function decodeBlobResponse (frame: Uint8Array): BlobResponse {
  try {
    return BlobResponse.decode(frame)
  } catch (err) {
    throw new MalformedFrameError(`Not a blob response: ${(err as Error).message}`)
  }
}

/** The unsigned-varint length prefix of a frame, written apart from a piece (one encoder: net/stream/frame-reader.ts). */
export { framePrefix } from './stream/frame-reader.js'
