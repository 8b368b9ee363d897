/**
 * Files and voice notes in channel posts from the command line (issue #21): `parley channels
 * post <channel> [caption] --file <path>` streams the file to the daemon's API as
 * `parley send-file` does (never held whole in memory), and `parley channels download <channel>
 * <seq>` fetches a post's file from the relays holding it, verifies it and writes it out.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { rename, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Command } from 'commander'
import type { ChannelPostView } from '../../daemon/api-types.js'
import { seg, type ApiClient } from '../api-client.js'
import { contextOf } from '../context.js'
import { UsageError } from '../errors.js'
import { counted, progressBar } from './files.js'

/** Posts `path` to a channel (owner and admins) with an optional caption; returns the post. */
export async function postChannelFile (api: ApiClient, ref: string, path: string, opts: { caption?: string, mime: string }): Promise<ChannelPostView> {
  const file = resolve(path)
  const info = await stat(file).catch(() => { throw new UsageError(`${path}: no such file`) })
  if (!info.isFile()) throw new UsageError(`${path}: not a file`)
  const query = new URLSearchParams({ name: basename(file), mime: opts.mime })
  if (opts.caption != null && opts.caption !== '') query.set('caption', opts.caption)
  const bar = progressBar(info.size)
  let res: Response
  try {
    const body = Readable.toWeb(Readable.from(counted(createReadStream(file), bar.update))) as ReadableStream<Uint8Array>
    res = await api.fetch(`/v1/channels/${seg(ref)}/files?${query.toString()}`, {
      method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, duplex: 'half'
    } as RequestInit)
  } finally {
    bar.stop()
  }
  const answer = await res.json() as ChannelPostView & { error?: { code: string, message: string } }
  if (!res.ok || answer.error != null) throw new UsageError(`${answer.error?.code ?? res.status}: ${answer.error?.message ?? 'upload refused'}`)
  return answer
}

/** `parley channels download <channel> <seq> [--out dir]`. */
export function registerChannelDownload (channels: Command): void {
  channels.command('download')
    .description("download a post's file from the relays holding it (verified), write it to a file and print its path")
    .argument('<channel>', 'id or name')
    .argument('<seq>', 'post number')
    .option('--out <dir>', 'directory to write it to', '.')
    .action(async (ref: string, seq: string, opts: { out: string }, command: Command) => {
      const ctx = contextOf(command)
      const n = Number(seq)
      if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`not a post number: ${seq}`)
      const api = await ctx.client()
      const post = await api.post<ChannelPostView>(`/v1/channels/${seg(ref)}/posts/${n}/download`, {}, { signal: AbortSignal.timeout(24 * 3600_000) })
      if (post.file == null) throw new UsageError(`#${n}: no file`)
      const res = await api.fetch(`/v1/channels/${seg(ref)}/posts/${n}/file`)
      if (!res.ok || res.body == null) throw new UsageError(`#${n}: could not read the file (${res.status})`)
      const name = basename(post.file.name).replace(/^\.+/, '_') || 'file'
      const target = join(resolve(opts.out), name)
      const partial = `${target}.part`
      const bar = progressBar(post.file.size)
      try {
        await pipeline(counted(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), bar.update), createWriteStream(partial, { mode: 0o600 }))
      } finally {
        bar.stop()
      }
      await rename(partial, target)
      ctx.out(target)
    })
}
