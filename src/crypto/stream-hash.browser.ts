/**
 * Incremental SHA-256 for streams in browsers (noble; WebCrypto has no incremental digest).
 * Node gets `stream-hash.ts` (node:crypto).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { IncrementalHash } from './attachment/types.js'

/** A fresh incremental SHA-256 (noble). */
export function createSha256 (): IncrementalHash {
  const hash = sha256.create()
  return {
    update (data) { hash.update(data) },
    digest () { return hash.digest() }
  }
}
