/**
 * `parley send-file` and `parley download`: the file streams to and from the daemon's API
 * (never held whole in memory); a progress bar (cli-progress) on stderr when it is a terminal.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { rename, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import type { ConversationView, MessageView } from '../../daemon/api-types.js'
import { seg } from '../api-client.js'
import { conversationFor, resolveContact, secretChatWith } from '../contact-ref.js'
import { contextOf } from '../context.js'
import { parseDuration } from '../duration.js'
import { ContactNotFoundError, UsageError } from '../errors.js'

/** A progress bar on a terminal's stderr; nothing elsewhere (pipes, logs). */
export function progressBar (total: number): { update: (bytes: number) => void, stop: () => void } {
  if (process.stderr.isTTY !== true || total <= 0) return { update: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: ' {bar} {percentage}% | {value}/{total} bytes', hideCursor: true }, cliProgress.Presets.shades_classic)
  bar.start(total, 0)
  return { update: (bytes) => { bar.update(Math.min(bytes, total)) }, stop: () => { bar.stop() } }
}

/** Counts the bytes going through, for the bar. */
export async function * counted (source: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  let n = 0
  for await (const chunk of source) {
    n += chunk.length
    onBytes(n)
    yield chunk
  }
}

export function registerFiles (program: Command): void {
  program.command('send-file')
    .description('send a file (streamed, end-to-end encrypted); prints the message id')
    .argument('<contact>', 'address or name')
    .argument('<path>', 'the file')
    .option('--ttl <duration>', 'disappear after this long (e.g. 30s, 5m, 1h, 1d, 1w)')
    .option('--secret', 'send in the active secret chat with the contact')
    .option('--mime <type>', 'MIME type', 'application/octet-stream')
    .option('--caption <text>', 'a caption')
    .option('--wait', 'return once the file is sealed, kept and announced (always the case: the upload ends then)')
    .action(async (ref: string, path: string, opts: { ttl?: string, secret?: boolean, mime: string, caption?: string, wait?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      let conversation: ConversationView
      if (opts.secret === true) {
        const contact = await resolveContact(api, ref)
        const secret = await secretChatWith(api, contact.address, ['active'])
        if (secret == null) throw new ContactNotFoundError(`${ref}: no active secret chat (start one with \`parley secret start\`)`)
        conversation = secret
      } else {
        conversation = (await conversationFor(api, ref)).conversation
      }
      const file = resolve(path)
      const info = await stat(file).catch(() => { throw new UsageError(`${path}: no such file`) })
      if (!info.isFile()) throw new UsageError(`${path}: not a file`)
      const query = new URLSearchParams({ name: basename(file), mime: opts.mime })
      if (opts.ttl != null) query.set('ttlMs', String(parseDuration(opts.ttl)))
      if (opts.caption != null) query.set('caption', opts.caption)
      const bar = progressBar(info.size)
      let res: Response
      try {
        const body = Readable.toWeb(Readable.from(counted(createReadStream(file), bar.update))) as ReadableStream<Uint8Array>
        res = await api.fetch(`/v1/conversations/${seg(conversation.id)}/files?${query.toString()}`, {
          method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, duplex: 'half'
        } as RequestInit)
      } finally {
        bar.stop()
      }
      const answer = await res.json() as { message?: MessageView, error?: { code: string, message: string } }
      if (!res.ok || answer.message == null) throw new UsageError(`${answer.error?.code ?? res.status}: ${answer.error?.message ?? 'upload refused'}`)
      ctx.out(answer.message.id)
    })

  program.command('download')
    .description('download an attachment (resuming where a broken download stopped), write it to a file and print its path')
    .argument('<contact>', 'address or name')
    .argument('<message-id>', 'the message with the attachment')
    .option('--out <dir>', 'directory to write it to', '.')
    .option('--secret', 'in the active secret chat')
    .action(async (ref: string, messageId: string, opts: { out: string, secret?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const contact = await resolveContact(api, ref)
      const conversation = opts.secret === true
        ? await secretChatWith(api, contact.address, ['active', 'closed'])
        : (await conversationFor(api, contact.address)).conversation
      if (conversation == null) throw new ContactNotFoundError(`${ref}: no secret chat`)
      const { message } = await api.post<{ message: MessageView }>(`/v1/conversations/${seg(conversation.id)}/messages/${seg(messageId)}/download`, {}, { signal: AbortSignal.timeout(24 * 3600_000) })
      const attachment = message.attachment
      if (attachment == null) throw new UsageError(`${messageId}: no attachment`)
      const res = await api.fetch(`/v1/conversations/${seg(conversation.id)}/messages/${seg(messageId)}/file`)
      if (!res.ok || res.body == null) throw new UsageError(`${messageId}: could not read the file (${res.status})`)
      const name = basename(attachment.name).replace(/^\.+/, '_') || 'file'
      const target = join(resolve(opts.out), name)
      const partial = `${target}.part`
      const bar = progressBar(attachment.size)
      try {
        await pipeline(counted(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), bar.update), createWriteStream(partial, { mode: 0o600 }))
      } finally {
        bar.stop()
      }
      await rename(partial, target)
      ctx.out(target)
    })
}
