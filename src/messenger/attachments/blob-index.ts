import { fromHex, toHex } from '../../bytes.js'
import type { BlobDeposits } from './components.js'

/** What a device's blob store keeps of one attachment blob beside its pieces. */
export interface BlobMeta {
  digest: string
  cipherLength: number
  complete: boolean
  /** Relays holding deposits of this blob, and the hex token that deletes them there. */
  deposits?: { relays: string[], token: string }
}

/**
 * The in-memory index of a device's blob store, whatever keeps the bytes (files on Node,
 * IndexedDB in browsers): each blob's meta by message id, and complete blobs by digest (what
 * peers ask for). The store persists a meta, then records it here.
 */
export class BlobIndex {
  private readonly metas = new Map<string, BlobMeta>()
  /** Complete blobs: digest hex → message id. */
  private readonly byDigest = new Map<string, string>()

  get (messageId: string): BlobMeta | undefined { return this.metas.get(messageId) }

  set (messageId: string, meta: BlobMeta): void {
    this.metas.set(messageId, meta)
    if (meta.complete) this.byDigest.set(meta.digest, messageId)
  }

  /** The message whose complete blob has this digest. */
  idOf (digest: Uint8Array): string | undefined { return this.byDigest.get(toHex(digest)) }

  forget (messageId: string): void {
    const meta = this.metas.get(messageId)
    if (meta !== undefined && this.byDigest.get(meta.digest) === messageId) this.byDigest.delete(meta.digest)
    this.metas.delete(messageId)
  }

  clear (): void {
    this.metas.clear()
    this.byDigest.clear()
  }

  /** The meta of `messageId` with its relay deposits recorded (undefined when the blob is unknown). */
  withDeposits (messageId: string, deposits: BlobDeposits): BlobMeta | undefined {
    const meta = this.metas.get(messageId)
    return meta === undefined ? undefined : { ...meta, deposits: { relays: deposits.relays, token: toHex(deposits.token) } }
  }

  depositsOf (messageId: string): BlobDeposits | undefined {
    const meta = this.metas.get(messageId)
    if (meta?.deposits === undefined) return undefined
    return { digest: fromHex(meta.digest), relays: meta.deposits.relays, token: fromHex(meta.deposits.token) }
  }
}
