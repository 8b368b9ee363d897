/**
 * Files, pictures and voice notes (PROTOCOL.md §11): `sendFile` seals the source into this
 * device's blob files (ciphertext only) and sends the announcement as a message; the recipient
 * downloads the blob from the sending device over `/parley/blob/1.0.0`, keeping each verified
 * piece so a broken download or a restart resumes after the last one, and marks it complete only
 * once the whole file opened and matched its SHA-256. Deleting or expiring the message removes
 * the blob; wiping the account removes every blob.
 */
import type { AbortOptions } from '@libp2p/interface'
import { randomBytes } from '@noble/hashes/utils.js'
import { fromHex, toHex } from '../../bytes.js'
import { nativeBackend } from '../../crypto/backend-native.js'
import { cipherLengthOf } from '../../crypto/attachment/constants.js'
import { AttachmentMalformedError } from '../../crypto/attachment/errors.js'
import { validateAnnouncement } from '../../crypto/attachment/announcement.js'
import { AttachmentSealer, openAttachment } from '../../crypto/attachment/seal.js'
import type { Manifest } from '../../crypto/attachment/pieces.js'
import { codeOf, ErrorCode } from '../../errors.js'
import type { Message } from '../../store/index.js'
import { Attachment, Content } from '../../wire/content.js'
import { MAX_TEXT_LENGTH, SECRET_RELAY_CAP_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import { baseContent } from '../conversations/content.js'
import type { Conversations } from '../conversations/conversations.js'
import { decodeBody, encodeBody, toView, updateBody, type MessageBody } from '../conversations/message-body.js'
import type { SecretChats } from '../conversations/secret-chats.js'
import { checkTtl } from '../conversations/timers.js'
import type { Dispatcher } from '../delivery/dispatcher.js'
import type { AccountResolver } from '../directory/account-resolver.js'
import { InvalidArgumentError, MessageNotFoundError, NotAllowedError } from '../errors.js'
import type { ConversationId, MessageView, SendFileOptions } from '../types.js'
import type { AttachmentComponents, BlobSource, LocalBlobWriter } from './components.js'
import { fetchBlob } from './fetch-blob.js'
import { multiaddr } from '@multiformats/multiaddr'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { StoredAttachment } from './body.js'
import { forwardFile } from './forward.js'

/** What `sendFile` reads: a path on this device, a `Blob`/`File`, or bytes as they come. */
export type FileSource = string | Blob | AsyncIterable<Uint8Array> | Iterable<Uint8Array>

export interface AttachmentsOptions {
  /** Incoming files up to this size (plaintext bytes) are downloaded as they arrive. @default 16 MiB */
  autoDownloadMaxBytes?: number
  /** Largest incoming file this device accepts. @default 2 GiB */
  maxFileBytes?: number
}

export const DEFAULT_AUTO_DOWNLOAD_BYTES = 16 * 1024 * 1024

export class Attachments {
  private readonly downloads = new Map<string, Promise<MessageView>>()

  constructor (
    private readonly ctx: MessengerContext,
    private readonly conversations: Conversations,
    private readonly secretChats: SecretChats,
    private readonly dispatcher: Dispatcher,
    private readonly resolver: AccountResolver,
    private readonly components: AttachmentComponents | undefined,
    private readonly options: AttachmentsOptions = {},
    private readonly ownRelays: () => string[] = () => []
  ) {}

  private require (): AttachmentComponents {
    if (this.components === undefined) throw new NotAllowedError('This messenger keeps no attachment files (no blob storage was given)')
    return this.components
  }

  async start (): Promise<void> { await this.components?.transfer.start() }
  async stop (): Promise<void> {
    await Promise.allSettled(this.downloads.values())
    await this.components?.transfer.stop()
  }

  /** Seals `source`, keeps its ciphertext here, and sends the announcement to the conversation. */
  async sendFile (id: ConversationId, source: FileSource, options: SendFileOptions = {}): Promise<MessageView> {
    const { local } = this.require()
    const conversation = await this.conversations.require(id, undefined, options)
    await this.secretChats.requireActive(conversation)
    const ttl = options.ttlMs ?? conversation.disappearingTimerMs ?? 0
    if (ttl !== 0) checkTtl(ttl)
    const caption = options.caption ?? ''
    if (caption.length > MAX_TEXT_LENGTH) throw new InvalidArgumentError(`Caption longer than ${MAX_TEXT_LENGTH} characters`)
    const name = options.name ?? defaultName(source)
    const mime = options.mime ?? (isBlob(source) && source.type !== '' ? source.type : 'application/octet-stream')
    const messageId = randomBytes(16)
    const messageHex = toHex(messageId)
    const sealer = new AttachmentSealer(nativeBackend)
    const writer = await local.sealedWriter(messageHex, options)
    let read = 0
    const counted = (async function * (this: Attachments): AsyncGenerator<Uint8Array> {
      for await (const part of bytesOf(source, local.readPath, options)) {
        options.signal?.throwIfAborted()
        read += part.length
        options.onProgress?.(read)
        this.ctx.emit('attachment-progress', { conversationId: id, messageId: messageHex, direction: 'up', bytes: read, total: 0 })
        yield part
      }
    }.call(this))
    try {
      for await (const piece of sealer.seal(counted)) await writer.write(piece.index, piece.bytes, options)
      const s = sealer.summary
      await writer.complete(s.digest, { cipherLength: s.cipherLength, pieceDigests: s.pieceDigests }, options)
    } catch (err) {
      await writer.abort()
      throw err
    }
    const s = sealer.summary
    const attachment: Attachment = {
      key: s.key, digest: s.digest, size: BigInt(s.size), sha256: s.sha256, name, mime,
      durationMs: options.durationMs ?? 0, waveform: Uint8Array.from(options.waveform ?? []), thumbnail: options.thumbnail ?? new Uint8Array(0),
      width: options.width ?? 0, height: options.height ?? 0
    }
    try {
      validateAnnouncement(attachment)
    } catch (err) {
      await local.delete(messageHex)
      throw err
    }
    const content = baseContent(conversation, Content.Kind.ATTACHMENT, this.ctx.now(), { messageId, text: caption, ttlMs: BigInt(ttl), attachment })
    const secret = conversation.kind === 'secret'
    const body: MessageBody = {
      kind: 'file', reactions: {}, forwardable: !secret, attachment: { ...storedOf(attachment), state: 'complete' },
      ...(caption !== '' ? { text: caption } : {}),
      ...(ttl > 0 ? { ttlMs: ttl, startsOnRead: secret } : {})
    }
    const sentAt = Number(content.sentAt)
    const message: Message = {
      id: messageHex, conversationId: id, clock: Number(content.clock), senderTimestamp: sentAt, direction: 'out', sender: this.ctx.address,
      content: encodeBody(body), status: 'queued', expiresAt: ttl > 0 && !secret ? sentAt + ttl : null
    }
    try {
      await this.dispatcher.dispatch(conversation, content, {
        signal: options.signal,
        alsoWrite: async (tx) => {
          await tx.messages.put(message)
          await tx.conversations.recordActivity(id, sentAt, { clock: message.clock })
        }
      })
    } catch (err) {
      await local.delete(messageHex)
      throw err
    }
    const view = toView(message)
    this.ctx.emit('message', { message: view })
    this.ctx.emit('delivery', { conversationId: id, messageId: messageHex, state: 'queued' })
    // a secret chat's timer starts on reading (unknown here): its deposit lives as long as its envelope may at a relay
    const depositExpiry = secret ? sentAt + SECRET_RELAY_CAP_MS : message.expiresAt ?? 0
    await this.depositAtRelays(messageHex, s.key, s.digest, { cipherLength: s.cipherLength, pieceDigests: s.pieceDigests }, depositExpiry, options)
    return view
  }

  /**
   * Leaves the blob at this account's own relays (counted against this device's quota there),
   * so the recipient fetches it when this device is offline; the relays keep it no longer than
   * the message lives. A relay that refuses (too large, quota) is logged: direct fetches remain.
   */
  private async depositAtRelays (messageId: string, key: Uint8Array, digest: Uint8Array, manifest: Manifest, expiresAt: number, options: AbortOptions): Promise<void> {
    const { local, transfer } = this.require()
    const deleteHash = await deleteHashOf(key)
    const held: string[] = []
    await Promise.all(this.ownRelays().map(async (relay) => {
      try {
        await transfer.deposit(relay, { digest, manifest, mailbox: this.ctx.components.signer.publicKey, expiresAt, deleteHash }, async (index) => {
          const bytes = await local.readPiece(messageId, index, options)
          if (bytes === undefined) throw new MessageNotFoundError(`Piece ${index} of ${messageId} is gone`)
          return bytes
        }, { signal: options.signal })
        held.push(relay)
      } catch (err) {
        this.ctx.log('attachments')('could not deposit %s at %s - %e', messageId, relay, err)
      }
    }))
    if (held.length > 0) await local.rememberDeposits(messageId, { digest, relays: held, token: deleteTokenOf(key) }, options)
  }

  /** Downloads an incoming attachment (resuming after the pieces already held); one download per message at a time. */
  async download (id: ConversationId, messageId: string, options: AbortOptions & { onProgress?: (bytes: number, total: number) => void } = {}): Promise<MessageView> {
    const running = this.downloads.get(messageId)
    if (running !== undefined) return await running
    const job = this.fetch(id, messageId, options).finally(() => { this.downloads.delete(messageId) })
    this.downloads.set(messageId, job)
    return await job
  }

  private async attachmentOf (id: ConversationId, messageId: string, options: AbortOptions): Promise<{ message: Message, attachment: StoredAttachment }> {
    const message = await this.ctx.components.store.messages.get(messageId, options)
    if (message == null || message.conversationId !== id) throw new MessageNotFoundError(messageId)
    const attachment = decodeBody(message.content).attachment
    if (attachment == null) throw new NotAllowedError('This message has no attachment')
    return { message, attachment }
  }

  private async setState (messageId: string, change: Partial<StoredAttachment>): Promise<MessageView | undefined> {
    let updated: Message | undefined
    await this.ctx.lock.run(async () => this.ctx.components.store.transaction(async (tx) => {
      updated = await updateBody(tx, messageId, (b) => b.attachment == null ? undefined : { ...b, attachment: { ...b.attachment, ...change } })
    }))
    if (updated === undefined) return undefined
    const view = toView(updated)
    this.ctx.emit('message-updated', { message: view })
    return view
  }

  private async fetch (id: ConversationId, messageId: string, options: AbortOptions & { onProgress?: (bytes: number, total: number) => void }): Promise<MessageView> {
    const { local, transfer } = this.require()
    const { message, attachment: a } = await this.attachmentOf(id, messageId, options)
    if (a.state === 'complete') return toView(message)
    if (a.sourceDevice == null) throw new NotAllowedError('No device to fetch this attachment from')
    if (a.size > (this.options.maxFileBytes ?? Number.MAX_SAFE_INTEGER)) throw new NotAllowedError(`Attachment larger than this device accepts (${a.size} bytes)`)
    await this.setState(messageId, { state: 'downloading' })
    const digest = fromHex(a.digest)
    const cipherLength = cipherLengthOf(a.size)
    let writer: LocalBlobWriter | undefined
    try {
      // the sending device first, then the relays of the sender's account (it may be offline)
      const { device, relays } = await this.resolver.resolveDevice(message.sender, a.sourceDevice, options)
      const sources: BlobSource[] = [device.peerId, ...relays.flatMap((r) => r.multiaddrs.slice(0, 1).map((ma) => relayAddress(ma)))]
      const fetched = await fetchBlob(transfer, local, sources, { id: messageId, digest, cipherLength }, {
        signal: options.signal,
        onPiece: (_next, bytes) => {
          options.onProgress?.(bytes, cipherLength)
          this.ctx.emit('attachment-progress', { conversationId: id, messageId, direction: 'down', bytes, total: cipherLength })
        },
        onSourceFailed: (_source, err) => { this.ctx.log('attachments')('fetching %s from a source failed, trying the next - %e', messageId, err) },
        wrongLength: (length) => new AttachmentMalformedError(`Blob of ${length} bytes cannot hold ${a.size} bytes`),
        noSource: () => new NotAllowedError('No source holds this attachment')
      })
      writer = fetched.writer
      // nothing is complete before the whole file opened and matched its SHA-256
      for await (const plain of this.plaintextOf(a, fetched.manifest, messageId)) void plain
      await writer.complete(options)
      // where the sender's deposits may be: a delete for both from this side removes them there too
      const relaySources = sources.filter((source): source is string => typeof source === 'string')
      if (relaySources.length > 0) await local.rememberDeposits(messageId, { digest, relays: relaySources, token: deleteTokenOf(fromHex(a.key)) }, options)
    } catch (err) {
      await writer?.abort()
      await this.setState(messageId, { state: 'failed', error: codeOf(err) ?? ErrorCode.INTERNAL })
      throw err
    }
    return await this.setState(messageId, { state: 'complete', error: undefined }) ?? toView(message)
  }

  private async * plaintextOf (a: StoredAttachment, manifest: Manifest, messageId: string): AsyncGenerator<Uint8Array> {
    const { local } = this.require()
    const pieces = async function * (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < manifest.pieceDigests.length; i++) {
        const bytes = await local.readPiece(messageId, i)
        if (bytes === undefined) throw new AttachmentMalformedError(`Piece ${i} is missing`)
        yield bytes
      }
    }
    yield * openAttachment(nativeBackend, { key: fromHex(a.key), size: a.size, sha256: fromHex(a.sha256), manifest }, pieces())
  }

  /** The plaintext of a complete attachment (sent, or downloaded), decrypted as it is read. */
  async * read (id: ConversationId, messageId: string, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    const { local } = this.require()
    const { attachment: a } = await this.attachmentOf(id, messageId, options)
    if (a.state !== 'complete') throw new NotAllowedError(`Attachment is ${a.state}, not complete`)
    const manifest = await local.manifest(messageId, options)
    if (manifest === undefined) throw new MessageNotFoundError(`No file kept for ${messageId}`)
    yield * this.plaintextOf(a, manifest, messageId)
  }

  /** Incoming attachments small enough are fetched as they arrive (failures are kept as `failed`). */
  autoDownload (message: MessageView): void {
    const a = message.attachment
    if (this.components === undefined || a == null || message.direction !== 'in' || a.state !== 'pending') return
    if (a.size > (this.options.autoDownloadMaxBytes ?? DEFAULT_AUTO_DOWNLOAD_BYTES)) return
    void this.download(message.conversationId, message.id).catch((err: unknown) => {
      this.ctx.log('attachments')('automatic download of %s failed - %e', message.id, err)
    })
  }

  /**
   * Messages were deleted or disappeared: their blobs go too, here, and, when they went on both
   * sides (`atRelays`), at the relays that hold the deposit (with the delete token, which both
   * participants derive from the key): the sender's relays as the sender deposited them, or as
   * the recipient fetched from them, so a delete-for-both made by the recipient while the sender
   * is offline does not leave the copy at the relay until the sender returns. A delete on this
   * device only leaves the deposit for the other side, which may not have fetched it yet. A
   * relay that cannot be reached drops the deposit when it expires, with the message.
   */
  async forget (ids: string[], options: { atRelays: boolean }): Promise<void> {
    if (this.components === undefined) return
    const { local, transfer } = this.components
    for (const id of ids) {
      const deposits = options.atRelays ? await local.deposits(id) : undefined
      if (deposits !== undefined) {
        await Promise.all(deposits.relays.map(async (relay) => {
          await transfer.deleteAt(relay, deposits.digest, deposits.token, { signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => {
            this.ctx.log('attachments')('could not delete %s at %s - %e', id, relay, err)
          })
        }))
      }
      await local.delete(id)
    }
  }

  /** Forwards a file message, sealed again under a new key (undefined: not a file message). */
  async forward (messageId: string, from: ConversationId, to: ConversationId, options: AbortOptions = {}): Promise<MessageView | undefined> {
    return await forwardFile(this, this.ctx, this.conversations, messageId, from, to, options)
  }

  /** The account was wiped: every blob goes. */
  async wipe (): Promise<void> {
    await this.components?.local.wipe()
  }
}

/** The announcement's fields as a body keeps them (hex and base64, for JSON). */
export function storedOf (a: Attachment): Omit<StoredAttachment, 'state'> {
  return {
    key: toHex(a.key),
    digest: toHex(a.digest),
    size: Number(a.size),
    sha256: toHex(a.sha256),
    name: a.name,
    mime: a.mime,
    ...(a.durationMs > 0 ? { durationMs: a.durationMs } : {}),
    ...(a.waveform.length > 0 ? { waveform: [...a.waveform] } : {}),
    ...(a.thumbnail.length > 0 ? { thumbnail: toBase64(a.thumbnail), width: a.width, height: a.height } : {})
  }
}

function toBase64 (bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

function defaultName (source: FileSource): string {
  if (typeof source === 'string') return source.split(/[/\\]/).pop() ?? 'file'
  if (typeof File !== 'undefined' && source instanceof File && source.name !== '') return source.name.split(/[/\\]/).pop() ?? 'file'
  return 'file'
}

async function * bytesOf (source: FileSource, readPath: ((path: string, options?: AbortOptions) => AsyncIterable<Uint8Array>) | undefined, options: AbortOptions): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') {
    if (readPath === undefined) throw new NotAllowedError('Paths cannot be read here: pass a Blob or bytes')
    yield * readPath(source, options)
  } else if (isBlob(source)) {
    for await (const part of source.stream() as unknown as AsyncIterable<Uint8Array>) yield part
  } else {
    yield * source
  }
}

function isBlob (source: FileSource): source is Blob {
  return typeof Blob !== 'undefined' && source instanceof Blob
}

/** The relay address of an account record's relay entry (multiaddr bytes, with `/p2p/`). */
function relayAddress (bytes: Uint8Array): string {
  return multiaddr(bytes).toString()
}

/**
 * SHA-256 of the blob's delete token, HKDF(key, "parley-blob-delete-v1"): both ends of the
 * conversation hold the key, so either can delete the deposits at relays.
 */
export async function deleteHashOf (key: Uint8Array): Promise<Uint8Array> {
  return sha256(deleteTokenOf(key))
}

/** The delete token of an attachment's deposits. */
export function deleteTokenOf (key: Uint8Array): Uint8Array {
  return hkdf(sha256, key, new Uint8Array(0), new TextEncoder().encode('parley-blob-delete-v1'), 32)
}
