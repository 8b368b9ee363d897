import type { AbortOptions, Logger } from '@libp2p/interface'
import { fromHex, toHex } from '../../bytes.js'
import { nativeBackend } from '../../crypto/backend-native.js'
import { validateAnnouncement } from '../../crypto/attachment/announcement.js'
import { cipherLengthOf } from '../../crypto/attachment/constants.js'
import { AttachmentMalformedError } from '../../crypto/attachment/errors.js'
import type { Manifest } from '../../crypto/attachment/pieces.js'
import { AttachmentSealer, openAttachment } from '../../crypto/attachment/seal.js'
import { MAX_FILE_SOURCES } from '../../identity/channel/constants.js'
import { codeOf, ErrorCode, ParleyError } from '../../errors.js'
import type { ChannelPostFile } from '../../store/channel-repo.js'
import { Attachment } from '../../wire/content.js'
import type { AttachmentComponents, LocalBlobWriter } from '../attachments/components.js'
import { fetchBlob } from '../attachments/fetch-blob.js'
import type { FileSource } from '../attachments/attachments.js'
import { deleteHashOf } from '../attachments/attachments.js'
import { CHANNEL_OPERATION_TIMEOUT_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import type { ChannelPostView, SendFileOptions } from '../types.js'
import type { Channels } from './channels.js'
import { postView } from './channel-views.js'

/** The local blob id of a post's file: the first 16 bytes of its blob digest (author and readers agree). */
function blobIdOf (digest: string): string {
  return digest.slice(0, 32)
}

/**
 * Files and voice notes in channel posts (PROTOCOL.md §13.8), on the attachments feature: the
 * author seals the file (STREAM, §11) into this device's blob files and deposits the sealed blob
 * at its relays; the post carries the announcement (key, digests) — sealed with the rest of the
 * body in a private channel — and those relays' addresses. Readers fetch on demand, verify every
 * piece and the whole file's SHA-256, and keep only ciphertext at rest.
 */
export class ChannelFiles {
  private readonly log: Logger
  private readonly downloads = new Map<string, Promise<ChannelPostView>>()

  constructor (private readonly ctx: MessengerContext, private readonly channels: Channels, private readonly components: AttachmentComponents | undefined, private readonly relays: () => string[]) {
    this.log = ctx.log('channels:files')
  }

  private require (): AttachmentComponents {
    if (this.components == null) throw new ParleyError('This messenger keeps no attachment files', ErrorCode.NOT_ALLOWED)
    return this.components
  }

  /** Owner and admins: seals `source`, deposits it at this account's relays, and posts it with a caption. */
  async post (ref: string, source: FileSource, options: SendFileOptions = {}): Promise<ChannelPostView> {
    const { local, transfer } = this.require()
    const channel = await this.channels.channel(ref, options)
    if (channel.role !== 'owner' && channel.role !== 'admin') throw new ParleyError('Only the owner and admins post in a channel', ErrorCode.CHANNEL_READ_ONLY)
    const sealer = new AttachmentSealer(nativeBackend)
    const pending = toHex(crypto.getRandomValues(new Uint8Array(16)))
    const writer = await local.sealedWriter(pending, options)
    try {
      for await (const piece of sealer.seal(bytesOf(source, local.readPath, options))) await writer.write(piece.index, piece.bytes, options)
      await writer.complete(sealer.summary.digest, { cipherLength: sealer.summary.cipherLength, pieceDigests: sealer.summary.pieceDigests }, options)
    } catch (err) {
      await writer.abort()
      throw err
    }
    const s = sealer.summary
    const name = options.name ?? (typeof source === 'string' ? source.split(/[/\\]/).pop() ?? 'file' : 'file')
    const attachment: Attachment = {
      key: s.key, digest: s.digest, size: BigInt(s.size), sha256: s.sha256, name, mime: options.mime ?? 'application/octet-stream',
      durationMs: options.durationMs ?? 0, waveform: Uint8Array.from(options.waveform ?? []), thumbnail: options.thumbnail ?? new Uint8Array(0), width: options.width ?? 0, height: options.height ?? 0
    }
    const manifest: Manifest = { cipherLength: s.cipherLength, pieceDigests: s.pieceDigests }
    const held: string[] = []
    try {
      validateAnnouncement(attachment)
      // the sealed blob waits at this account's relays (the relays' retention), where readers fetch it
      const deleteHash = await deleteHashOf(s.key)
      for (const relay of this.relays().slice(0, MAX_FILE_SOURCES)) {
        try {
          await transfer.deposit(relay, { digest: s.digest, manifest, mailbox: this.ctx.components.signer.publicKey, expiresAt: 0, deleteHash }, async (index) => {
            const bytes = await local.readPiece(pending, index, options)
            if (bytes == null) throw new ParleyError(`Piece ${index} is gone`, ErrorCode.NOT_FOUND)
            return bytes
          }, { signal: options.signal })
          held.push(relay)
        } catch (err) {
          this.log('could not deposit a channel file at %s - %e', relay, err)
        }
      }
      if (held.length === 0) throw new ParleyError('No relay of this account took the file: readers could not fetch it', ErrorCode.NOT_ALLOWED)
    } catch (err) {
      await local.delete(pending)
      throw err
    }
    // kept here under the id readers use too
    await this.copyBlob(pending, blobIdOf(toHex(s.digest)), s.digest, manifest, options)
    const view = await this.channels.postFile(channel.id, options.caption ?? '', { attachment: Attachment.encode(attachment), sources: held }, options)
    return await this.setState(channel.id, view.seq, { state: 'complete' }, options) ?? view
  }

  /** Fetches a post's file from the relays it names (and this account's), verified piece by piece; one download per post at a time. */
  async download (ref: string, seq: number, options: AbortOptions = {}): Promise<ChannelPostView> {
    const channel = await this.channels.channel(ref, options)
    const key = `${channel.id}:${seq}`
    const running = this.downloads.get(key)
    if (running != null) return await running
    const job = this.fetch(channel.id, seq, options).finally(() => { this.downloads.delete(key) })
    this.downloads.set(key, job)
    return await job
  }

  /** The plaintext of a post's complete file, decrypted as it is read. */
  async * read (ref: string, seq: number, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    const { local } = this.require()
    const channel = await this.channels.channel(ref, options)
    const file = await this.fileOf(channel.id, seq, options)
    if (file.state !== 'complete') throw new ParleyError(`The file is ${file.state}: download it first`, ErrorCode.NOT_ALLOWED)
    const id = blobIdOf(file.digest)
    const manifest = await local.manifest(id, options)
    if (manifest == null) throw new ParleyError('The file is no longer kept here', ErrorCode.NOT_FOUND)
    yield * this.plaintext(file, id, manifest)
  }

  private async fetch (channelId: string, seq: number, options: AbortOptions): Promise<ChannelPostView> {
    const { local, transfer } = this.require()
    const signal = this.ctx.signal(options, 10 * CHANNEL_OPERATION_TIMEOUT_MS)
    const file = await this.fileOf(channelId, seq, { signal })
    if (file.state === 'complete') return await this.setState(channelId, seq, {}, { signal }) as ChannelPostView
    const id = blobIdOf(file.digest)
    const digest = fromHex(file.digest)
    const cipherLength = cipherLengthOf(file.size)
    let writer: LocalBlobWriter | undefined
    await this.setState(channelId, seq, { state: 'downloading' }, { signal })
    try {
      const fetched = await fetchBlob(transfer, local, [...new Set([...file.sources, ...this.relays()])], { id, digest, cipherLength }, {
        signal,
        onSourceFailed: (source, err) => { this.log('fetching the file of post %d from %s failed - %e', seq, source, err) },
        wrongLength: (length) => new AttachmentMalformedError(`Blob of ${length} bytes cannot hold ${file.size} bytes`),
        noSource: () => new ParleyError('No relay holds this file', ErrorCode.NOT_FOUND)
      })
      writer = fetched.writer
      // nothing is complete before the whole file opened and matched its SHA-256
      for await (const plain of this.plaintext(file, id, fetched.manifest)) void plain
      await writer.complete({ signal })
    } catch (err) {
      await writer?.abort()
      await this.setState(channelId, seq, { state: 'failed', error: codeOf(err) ?? ErrorCode.INTERNAL }, { signal })
      throw err
    }
    return await this.setState(channelId, seq, { state: 'complete', error: undefined }, { signal }) as ChannelPostView
  }

  private async * plaintext (file: ChannelPostFile, id: string, manifest: Manifest): AsyncGenerator<Uint8Array> {
    const { local } = this.require()
    const pieces = async function * (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < manifest.pieceDigests.length; i++) {
        const bytes = await local.readPiece(id, i)
        if (bytes == null) throw new AttachmentMalformedError(`Piece ${i} is missing`)
        yield bytes
      }
    }
    yield * openAttachment(nativeBackend, { key: fromHex(file.key), size: file.size, sha256: fromHex(file.sha256), manifest }, pieces())
  }

  private async copyBlob (from: string, to: string, digest: Uint8Array, manifest: Manifest, options: AbortOptions): Promise<void> {
    const { local } = this.require()
    const writer = await local.writer(to, digest, manifest, options)
    for (let i = writer.have; i < manifest.pieceDigests.length; i++) {
      const bytes = await local.readPiece(from, i, options)
      if (bytes == null) throw new ParleyError(`Piece ${i} is gone`, ErrorCode.NOT_FOUND)
      await writer.write(i, bytes, options)
    }
    await writer.complete(options)
    await local.delete(from)
  }

  private async fileOf (channelId: string, seq: number, options: AbortOptions): Promise<ChannelPostFile> {
    const post = await this.ctx.components.store.channels.getPost(channelId, seq, options)
    if (post?.file == null || post.deleted) throw new ParleyError(`Post ${seq} has no file`, ErrorCode.NOT_FOUND)
    return post.file
  }

  private async setState (channelId: string, seq: number, change: Partial<ChannelPostFile>, options: AbortOptions): Promise<ChannelPostView | undefined> {
    const updated = await this.channels.update(channelId, async (channel) => {
      const post = await this.ctx.components.store.channels.getPost(channelId, seq, options)
      if (post?.file == null) return undefined
      const next = { ...post, file: { ...post.file, ...change } }
      if (change.error === undefined && 'error' in change) delete next.file.error
      await this.ctx.components.store.channels.putPosts(channel, [next], options)
      return next
    }, options)
    if (updated == null) return undefined
    const view = postView(channelId, updated)
    return view
  }
}

async function * bytesOf (source: FileSource, readPath: ((path: string, options?: AbortOptions) => AsyncIterable<Uint8Array>) | undefined, options: AbortOptions): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') {
    if (readPath == null) throw new ParleyError('Paths cannot be read here: pass a Blob or bytes', ErrorCode.NOT_ALLOWED)
    yield * readPath(source, options)
  } else if (typeof Blob !== 'undefined' && source instanceof Blob) {
    for await (const part of source.stream() as unknown as AsyncIterable<Uint8Array>) yield part
  } else {
    yield * (source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>)
  }
}
