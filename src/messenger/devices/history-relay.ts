import type { AbortOptions } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { equalBytes } from '@noble/ciphers/utils.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { fromHex, toHex } from '../../bytes.js'
import { cipherLengthOf } from '../../crypto/attachment/constants.js'
import { validateAnnouncement } from '../../crypto/attachment/announcement.js'
import { AttachmentSealer, openAttachment } from '../../crypto/attachment/seal.js'
import type { Manifest } from '../../crypto/attachment/pieces.js'
import { nativeBackend } from '../../crypto/backend-native.js'
import { ErrorCode, ParleyError } from '../../errors.js'
import { Attachment, SyncUpdate } from '../../wire/content.js'
import { deleteHashOf, deleteTokenOf } from '../attachments/attachments.js'
import type { AttachmentComponents, BlobSource } from '../attachments/components.js'
import { fetchBlob } from '../attachments/fetch-blob.js'
import type { MessengerContext } from '../context.js'
import { applyHistoryFrame, frameSummary, historyFrames, type HistoryCursor } from './history-archive.js'
import type { HistoryProgressView } from '../types.js'
import type { OwnDevices } from './own-devices.js'

/** Largest history archive a device fetches (bigger: `ERR_HISTORY_ARCHIVE_TOO_LARGE`, nothing fetched). */
export const MAX_HISTORY_ARCHIVE_BYTES = 256 * 1024 * 1024
/** Largest frame inside an archive (the link's frame limit). */
const MAX_ARCHIVE_FRAME_BYTES = 64 * 1024
/** How long relays keep a history archive. */
export const HISTORY_ARCHIVE_TTL_MS = 7 * 86_400_000
/** Time building, sealing and depositing one archive may take. */
const ARCHIVE_TIMEOUT_MS = 10 * 60_000
const PENDING_KEY = 'history-archive-pending'
/** Time deleting a stored archive at one relay may take. */
const ARCHIVE_DELETE_TIMEOUT_MS = 15_000
/** Settings key of what the last archive fetched held (frames, messages stored from it). */
export const LAST_ARCHIVE_KEY = 'history-archive-last'

/** What a new device keeps of an archive it is fetching (so a restart resumes it): frames applied, messages stored of the archive's total. */
interface PendingArchive { from: string, archive: Uint8Array, blobId: string, framesApplied: number, messages: number, total: number }

/** How far sealing an archive got: messages in it so far, of the archive's total. */
export type ArchiveProgress = (messages: number, total: number) => void

/**
 * The history of a new device through the account's relays (issue #19), when the direct
 * transfer at link time broke off (the new device was killed, the connection dropped) and the
 * two devices need not be online together again:
 *
 * - the existing device builds the rest of the archive, after the last frame the new device
 *   acknowledged as stored, as length-prefixed frames (u32 BE) sealed with the attachment format
 *   under a fresh key, deposits it at the account's relays (7 days; its own copy is deleted once
 *   one holds it, else kept and served from here) and sends the
 *   key, digest, size and SHA-256 in a `SYNC HISTORY_ARCHIVE` to that device only, over the
 *   pairwise session (outbox; the relays' mailbox when it is offline);
 * - the new device fetches the blob from the sending device or the relays (resuming after the
 *   pieces it holds), checks it, and stores frame after frame, counting what it applied, so a
 *   restart resumes both the download and the applying.
 */
export class HistoryRelay {
  private fetching: Promise<void> | undefined

  constructor (private readonly ctx: MessengerContext, private readonly ownDevices: OwnDevices) {}

  private blobs (): AttachmentComponents {
    const blobs = this.ctx.components.attachments
    if (blobs == null) throw new ParleyError('This device has no blob store for a history archive', ErrorCode.HISTORY_INCOMPLETE)
    return blobs
  }

  private ownRelays (): string[] {
    return (this.ctx.components.accountRecords.ownBody()?.relays ?? []).flatMap((r) => r.multiaddrs.slice(0, 1).map((ma) => multiaddr(ma).toString()))
  }

  /**
   * Existing device: the history of `deviceKey` since `since`, after the message `after` (the last
   * one it stored of a direct transfer), goes through the relays. Resolves once the archive is
   * deposited and announced (in the outbox): the messages it holds, of its total.
   */
  async resume (deviceKey: Uint8Array, since: number, after: HistoryCursor | undefined, options: AbortOptions & { onProgress?: ArchiveProgress } = {}): Promise<{ messages: number, total: number }> {
    const device = this.ctx.components.accountRecords.ownBody()?.devices.find((d) => equalBytes(d.deviceKey, deviceKey))
    if (device == null) throw new ParleyError('The new device is not in the account record', ErrorCode.DEVICE_NOT_FOUND)
    const signal = this.ctx.signal(options, ARCHIVE_TIMEOUT_MS)
    const { local, transfer } = this.blobs()
    const blobId = toHex(randomBytes(16))
    const sealer = new AttachmentSealer(nativeBackend)
    const writer = await local.sealedWriter(blobId, { signal })
    const store = this.ctx.components.store
    let frames = 0
    let messages = 0
    let total = 0
    const archive = (async function * (): AsyncGenerator<Uint8Array> {
      for await (const frame of historyFrames(store, since, { signal }, after)) {
        const head = new Uint8Array(4)
        new DataView(head.buffer).setUint32(0, frame.length)
        frames++
        const summary = frameSummary(frame)
        if (frames === 1) total = summary.total
        messages += summary.messages
        options.onProgress?.(messages, total)
        yield head
        yield frame
      }
    })()
    try {
      for await (const piece of sealer.seal(archive)) await writer.write(piece.index, piece.bytes, { signal })
      const s = sealer.summary
      await writer.complete(s.digest, { cipherLength: s.cipherLength, pieceDigests: s.pieceDigests }, { signal })
    } catch (err) {
      await writer.abort()
      throw err
    }
    const s = sealer.summary
    const manifest: Manifest = { cipherLength: s.cipherLength, pieceDigests: s.pieceDigests }
    const deleteHash = await deleteHashOf(s.key)
    const held: string[] = []
    await Promise.all(this.ownRelays().map(async (relay) => {
      try {
        await transfer.deposit(relay, { digest: s.digest, manifest, mailbox: this.ctx.components.signer.publicKey, expiresAt: this.ctx.now() + HISTORY_ARCHIVE_TTL_MS, deleteHash }, async (index) => {
          const bytes = await local.readPiece(blobId, index, { signal })
          if (bytes === undefined) throw new ParleyError(`Piece ${index} of the history archive is gone`, ErrorCode.HISTORY_INCOMPLETE)
          return bytes
        }, { signal })
        held.push(relay)
      } catch (err) {
        this.ctx.log('devices')('could not deposit the history archive at %s - %e', relay, err)
      }
    }))
    const announcement: Attachment = {
      key: s.key, digest: s.digest, size: BigInt(s.size), sha256: s.sha256, name: 'history', mime: 'application/x-parley-history',
      durationMs: 0, waveform: new Uint8Array(0), thumbnail: new Uint8Array(0), width: 0, height: 0
    }
    await this.ownDevices.send(SyncUpdate.Action.HISTORY_ARCHIVE, { subject: deviceKey, archive: announcement }, { signal }, undefined, [{ address: this.ctx.address, device, sync: true }])
    // the relays hold it (until the new device deleted it, or for its retention): no copy stays here; held by none, this one is the only one
    if (held.length > 0) await local.delete(blobId)
    this.ctx.log('devices')('history for a new device resumed through %d relay(s): %d frames, %d bytes', held.length, frames, s.size)
    this.ctx.emit('devices-changed', { reason: 'history', device: toHex(deviceKey) })
    return { messages, total }
  }

  /** New device: another device of this account left the rest of its history as an archive; fetched and stored in the background. */
  async received (from: Uint8Array, archive: Attachment): Promise<void> {
    if (archive.size > BigInt(MAX_HISTORY_ARCHIVE_BYTES)) {
      throw new ParleyError(`A history archive of ${archive.size} bytes is over the limit of ${MAX_HISTORY_ARCHIVE_BYTES}`, ErrorCode.HISTORY_ARCHIVE_TOO_LARGE)
    }
    validateAnnouncement(archive)
    const pending: PendingArchive = { from: toHex(from), archive: Attachment.encode(archive), blobId: toHex(randomBytes(16)), framesApplied: 0, messages: 0, total: 0 }
    await this.ctx.components.store.settings.put(PENDING_KEY, encodePending(pending))
    this.resumePending()
  }

  /** Fetches and applies the archive this device was fetching, if any (after `received`, and at start). */
  resumePending (): void {
    this.fetching ??= this.fetchPending().catch((err: unknown) => {
      this.ctx.log('devices').error('the history archive could not be fetched (resumed at the next start) - %e', err)
    }).finally(() => { this.fetching = undefined })
  }

  private async fetchPending (): Promise<void> {
    const { store } = this.ctx.components
    const pending = decodePending(await store.settings.get(PENDING_KEY))
    if (pending == null) return
    const archive = Attachment.decode(pending.archive)
    const { local, transfer } = this.blobs()
    const signal = this.ctx.shutdown
    const cipherLength = cipherLengthOf(Number(archive.size))
    const sender = this.ctx.components.accountRecords.ownBody()?.devices.find((d) => toHex(d.deviceKey) === pending.from)
    const sources: BlobSource[] = [...(sender != null ? [sender.peerId] : []), ...this.ownRelays()]
    const { manifest, writer } = await fetchBlob(transfer, local, sources, { id: pending.blobId, digest: archive.digest, cipherLength }, {
      signal,
      onSourceFailed: (_source, err) => { this.ctx.log('devices')('fetching the history archive from a source failed, trying the next - %e', err) },
      wrongLength: () => new ParleyError('The history archive blob has the wrong length', ErrorCode.MALFORMED_MESSAGE),
      noSource: () => new ParleyError('No source holds the history archive', ErrorCode.HISTORY_INCOMPLETE)
    })
    await writer.complete({ signal })
    const pieces = async function * (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < manifest.pieceDigests.length; i++) {
        const bytes = await local.readPiece(pending.blobId, i, { signal })
        if (bytes === undefined) throw new ParleyError(`Piece ${i} of the history archive is missing`, ErrorCode.HISTORY_INCOMPLETE)
        yield bytes
      }
    }
    let index = 0
    const progress = (): HistoryProgressView => ({ device: pending.from, role: 'receiving', via: 'relay', received: pending.messages, total: pending.total })
    for await (const frame of archiveFrames(openAttachment(nativeBackend, { key: archive.key, size: Number(archive.size), sha256: archive.sha256, manifest }, pieces()))) {
      if (index++ < pending.framesApplied) continue
      const applied = await applyHistoryFrame(store, frame, { signal })
      if (index === 1) pending.total = applied.total
      pending.messages += applied.messages
      pending.framesApplied = index
      await store.settings.put(PENDING_KEY, encodePending(pending))
      this.ctx.emit('history-progress', progress())
    }
    await store.settings.put(LAST_ARCHIVE_KEY, { frames: index, messages: pending.messages })
    await store.settings.delete(PENDING_KEY)
    await local.delete(pending.blobId)
    this.ctx.log('devices')('stored the history archive of another device of this account: %d frames, %d messages', index, pending.messages)
    this.ctx.emit('history-done', progress())
    this.ctx.emit('devices-changed', { reason: 'history', device: pending.from })
    // stored here: the relays need not keep it (a relay not reached drops it at its expiry)
    for (const relay of this.ownRelays()) {
      await transfer.deleteAt(relay, archive.digest, deleteTokenOf(archive.key), { signal: AbortSignal.any([signal, AbortSignal.timeout(ARCHIVE_DELETE_TIMEOUT_MS)]) })
        .catch((err: unknown) => { this.ctx.log('devices')('could not delete the stored history archive at %s - %e', relay, err) })
    }
  }
}

/** Splits the opened archive into its frames (u32 BE length, frame); a frame over 64 KiB or a torn end fails typed. */
export async function * archiveFrames (plain: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(0)
  for await (const chunk of plain) {
    const joined = new Uint8Array(buf.length + chunk.length)
    joined.set(buf)
    joined.set(chunk, buf.length)
    buf = joined
    while (buf.length >= 4) {
      const length = new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0)
      if (length > MAX_ARCHIVE_FRAME_BYTES) throw new ParleyError(`A history archive frame of ${length} bytes`, ErrorCode.MALFORMED_MESSAGE)
      if (buf.length < 4 + length) break
      yield buf.slice(4, 4 + length)
      buf = buf.subarray(4 + length)
    }
  }
  if (buf.length > 0) throw new ParleyError('The history archive ends inside a frame', ErrorCode.MALFORMED_MESSAGE)
}

function encodePending (p: PendingArchive): Record<string, string | number> {
  return { from: p.from, archive: toHex(p.archive), blobId: p.blobId, framesApplied: p.framesApplied, messages: p.messages, total: p.total }
}

function decodePending (value: unknown): PendingArchive | undefined {
  if (value == null || typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) return undefined
  const v = value as Record<string, unknown>
  if (typeof v.from !== 'string' || typeof v.archive !== 'string' || typeof v.blobId !== 'string' || typeof v.framesApplied !== 'number') return undefined
  // (messages and total: absent in what an older version kept)
  return { from: v.from, archive: fromHex(v.archive), blobId: v.blobId, framesApplied: v.framesApplied, messages: Number(v.messages ?? 0), total: Number(v.total ?? 0) }
}
