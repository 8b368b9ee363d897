import type { Command } from 'commander'
import type { ChannelPostView, ChannelView } from '../../daemon/api-types.js'
import { seg } from '../api-client.js'
import { contextOf } from '../context.js'
import { UsageError } from '../errors.js'
import { postChannelFile, registerChannelDownload } from './channel-files.js'

function channelLine (c: ChannelView): string {
  return `${c.name}  ${c.id}  ${c.role}${c.private ? '  private' : ''}${c.muted ? '  muted' : ''}  ${c.head} posts`
}

function postLine (p: ChannelPostView): string {
  const reactions = Object.entries(p.reactions ?? {}).map(([emoji, n]) => `${emoji} ${n}`).join('  ')
  const counts = `${reactions !== '' ? `  [${reactions}]` : ''}${(p.views ?? 0) > 0 ? `  ${p.views} views` : ''}${p.myReaction != null ? `  (you: ${p.myReaction})` : ''}`
  const file = p.file != null ? `  [file: ${p.file.name}, ${p.file.size} bytes]` : ''
  return `#${p.seq}  ${new Date(p.createdAt).toISOString()}  ${p.text}${file}${p.edited ? '  (edited)' : ''}${counts}`
}

function seqOf (text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`not a post number: ${text}`)
  return n
}

/** `parley channels create|post|download|follow|list|posts|edit|delete|mute|unmute|leave|admin-key|admins|react|unreact|tally`. */
export function registerChannels (program: Command): void {
  const channels = program.command('channels').description('broadcast channels; <channel> is a channel id or name')

  channels.command('create')
    .description('create a channel; prints its subscription link')
    .argument('<name>', 'the channel name')
    .option('--private', 'encrypt posts under a key carried by the link (only holders of the link can read)')
    .action(async (name: string, opts: { private?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const channel = await (await ctx.client()).post<ChannelView>('/v1/channels', { name, private: opts.private === true })
      ctx.out(channel.link)
    })

  channels.command('post')
    .description('post to a channel you own or administer; prints the post number')
    .argument('<channel>', 'id or name')
    .argument('[text]', 'the post (with --file: its caption)')
    .option('--file <path>', 'post a file (streamed; sealed, kept at your relays, fetched by readers on demand)')
    .option('--mime <type>', 'with --file: its MIME type', 'application/octet-stream')
    .action(async (ref: string, text: string | undefined, opts: { file?: string, mime: string }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      if (opts.file != null) {
        ctx.out(String((await postChannelFile(api, ref, opts.file, { mime: opts.mime, ...(text != null ? { caption: text } : {}) })).seq))
        return
      }
      if (text == null || text === '') throw new UsageError('give the post\'s text, or a file with --file')
      const post = await api.post<ChannelPostView>(`/v1/channels/${seg(ref)}/posts`, { text })
      ctx.out(String(post.seq))
    })
  registerChannelDownload(channels)

  channels.command('follow')
    .description('follow a channel by its subscription link (recent posts are fetched from relays)')
    .argument('<link>', 'parley://channel/… link')
    .action(async (link: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      ctx.out(channelLine(await (await ctx.client()).post<ChannelView>('/v1/channels/follow', { link })))
    })

  channels.command('list')
    .description('list channels owned or followed')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const { items } = await (await ctx.client()).get<{ items: ChannelView[] }>('/v1/channels')
      if (opts.json === true) ctx.out(JSON.stringify(items))
      else items.forEach((c) => { ctx.out(channelLine(c)) })
    })

  channels.command('posts')
    .description('show posts, oldest first')
    .argument('<channel>', 'id or name')
    .option('--after <seq>', 'only posts after this number', '0')
    .option('--limit <n>', 'at most this many (1-500)', '100')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { after: string, limit: string, json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const { items } = await (await ctx.client()).get<{ items: ChannelPostView[] }>(`/v1/channels/${seg(ref)}/posts?after=${encodeURIComponent(opts.after)}&limit=${encodeURIComponent(opts.limit)}`)
      if (opts.json === true) ctx.out(JSON.stringify(items))
      else items.forEach((p) => { ctx.out(postLine(p)) })
    })

  channels.command('edit')
    .description('edit a post (owner and admins)')
    .argument('<channel>', 'id or name')
    .argument('<seq>', 'post number')
    .argument('<text>', 'the new text')
    .action(async (ref: string, seq: string, text: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      ctx.out(postLine(await (await ctx.client()).request<ChannelPostView>('PATCH', `/v1/channels/${seg(ref)}/posts/${seqOf(seq)}`, { text })))
    })

  channels.command('delete')
    .description('delete a post for every reader (owner and admins)')
    .argument('<channel>', 'id or name')
    .argument('<seq>', 'post number')
    .action(async (ref: string, seq: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      await (await ctx.client()).request('DELETE', `/v1/channels/${seg(ref)}/posts/${seqOf(seq)}`)
      ctx.out(`deleted #${seq}`)
    })

  for (const [name, muted] of [['mute', true], ['unmute', false]] as const) {
    channels.command(name)
      .description(`${name} a channel (no notifications of new posts)`)
      .argument('<channel>', 'id or name')
      .action(async (ref: string, _opts, command: Command) => {
        const ctx = contextOf(command)
        ctx.out(channelLine(await (await ctx.client()).request<ChannelView>('PATCH', `/v1/channels/${seg(ref)}`, { muted })))
      })
  }

  channels.command('leave')
    .description('stop following a channel and forget its posts here')
    .argument('<channel>', 'id or name')
    .action(async (ref: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      await (await ctx.client()).request('DELETE', `/v1/channels/${seg(ref)}`)
      ctx.out(`left ${ref}`)
    })

  channels.command('admin-key')
    .description("print this device's admin key for a channel it follows (give it to the owner)")
    .argument('<channel>', 'id or name')
    .action(async (ref: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      ctx.out((await (await ctx.client()).get<{ key: string }>(`/v1/channels/${seg(ref)}/admin-key`)).key)
    })

  channels.command('admins')
    .description('owner: set the admins of a channel (their admin keys; none removes all)')
    .argument('<channel>', 'id or name')
    .argument('[keys...]', 'admin keys (hex)')
    .action(async (ref: string, keys: string[], _opts, command: Command) => {
      const ctx = contextOf(command)
      ctx.out(channelLine(await (await ctx.client()).request<ChannelView>('PUT', `/v1/channels/${seg(ref)}/admins`, { keys })))
    })

  // ---------------------------------------------------------------- reactions and views (issue #21, s9-chan)
  channels.command('react')
    .description('react to a post with one emoji (sealed to the owner: relays cannot tell who reacted); counts change with the owner\'s next tally')
    .argument('<channel>', 'id or name')
    .argument('<seq>', 'post number')
    .argument('<emoji>', 'the reaction')
    .action(async (ref: string, seq: string, emoji: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      ctx.out(postLine(await (await ctx.client()).request<ChannelPostView>('PUT', `/v1/channels/${seg(ref)}/posts/${seqOf(seq)}/reaction`, { emoji })))
    })

  channels.command('unreact')
    .description('withdraw your reaction to a post')
    .argument('<channel>', 'id or name')
    .argument('<seq>', 'post number')
    .action(async (ref: string, seq: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      ctx.out(postLine(await (await ctx.client()).request<ChannelPostView>('DELETE', `/v1/channels/${seg(ref)}/posts/${seqOf(seq)}/reaction`)))
    })

  channels.command('tally')
    .description('owner: collect reactions and views from relays now and publish the counts (also done every 30 s)')
    .argument('<channel>', 'id or name')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const tally = await (await ctx.client()).post<{ opened: number, refused: number, changed: number[] }>(`/v1/channels/${seg(ref)}/tally`, {})
      ctx.out(opts.json === true ? JSON.stringify(tally) : `${tally.opened} opened, ${tally.refused} refused; counts published for ${tally.changed.length} posts`)
    })
}
