import type { Command } from 'commander'
import type { GroupJoinRequestView, GroupJoinResult, GroupLinkView, GroupView } from '../../daemon/api-types.js'
import { seg } from '../api-client.js'
import { resolveContact } from '../contact-ref.js'
import { contextOf } from '../context.js'
import { parseDuration } from '../duration.js'
import { terminalQr, wantsQr } from '../format.js'
import { ContactNotFoundError, UsageError } from '../errors.js'
import { resolveGroup } from '../group-ref.js'

const when = (ms: number): string => ms === 0 ? 'never expires' : `expires ${new Date(ms).toISOString()}`

/** `parley groups invite|join|links|revoke-link|requests|approve|decline|join-approval`: invites by link (issue #20). */
export function registerGroupLinks (groups: Command): void {
  groups.command('invite')
    .description('make an invite link to a group (whoever may add members); prints the link (and its QR code on a terminal)')
    .argument('<group>', 'group id or name')
    .option('--expires <duration>', 'lifetime of the link, e.g. 1h, 2d, 1w (default 1w)')
    .option('--never-expires', 'a link that does not expire (revoke it with revoke-link)')
    .option('--json', 'print JSON')
    .option('--qr', 'also draw the link as a QR code (default: when stdout is a terminal)')
    .option('--no-qr', 'never draw the QR code')
    .action(async (ref: string, opts: { expires?: string, neverExpires?: boolean, json?: boolean, qr?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      if (opts.expires != null && opts.neverExpires === true) throw new UsageError('Pass --expires or --never-expires, not both')
      const api = await ctx.client()
      const group = await resolveGroup(api, ref)
      const body = opts.neverExpires === true ? { expiresInMs: null } : opts.expires != null ? { expiresInMs: parseDuration(opts.expires) } : {}
      const made = await api.post<GroupLinkView>(`/v1/groups/${seg(group.id)}/links`, body)
      if (opts.json === true) { ctx.out(JSON.stringify(made)); return }
      ctx.out(made.link)
      if (wantsQr(opts)) ctx.out(await terminalQr(made.link))
    })

  groups.command('join')
    .description('ask to join a group by its invite link; you are in once the link\'s creator (or the group\'s setting) accepts')
    .argument('<link>', 'parley://group/… link')
    .option('--json', 'print JSON')
    .action(async (link: string, opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const result = await (await ctx.client()).post<GroupJoinResult>('/v1/groups/join', { link })
      if (opts.json === true) ctx.out(JSON.stringify(result))
      else ctx.out(result.status === 'member' ? `already a member of ${result.name} (${result.groupId})` : `asked to join ${result.name} (${result.groupId})`)
    })

  groups.command('links')
    .description('list a group\'s live invite links')
    .argument('<group>', 'group id or name')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const group = await resolveGroup(api, ref)
      const { items } = await api.get<{ items: Array<Omit<GroupLinkView, 'link'>> }>(`/v1/groups/${seg(group.id)}/links`)
      if (opts.json === true) ctx.out(JSON.stringify(items))
      else items.forEach((l) => { ctx.out(`${l.linkId}  by ${l.creator}  ${when(l.expiresAt)}`) })
    })

  groups.command('revoke-link')
    .description('revoke an invite link (an admin or its creator)')
    .argument('<group>', 'group id or name')
    .argument('<linkId>', 'the link\'s id (see links)')
    .action(async (ref: string, linkId: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const group = await resolveGroup(api, ref)
      await api.request('DELETE', `/v1/groups/${seg(group.id)}/links/${seg(linkId)}`)
      ctx.out(`revoked ${linkId}`)
    })

  groups.command('join-approval')
    .description('whether joins by link wait for approval (approve) or are accepted at once (auto); admins only')
    .argument('<group>', 'group id or name')
    .argument('<mode>', 'approve or auto')
    .action(async (ref: string, mode: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      if (mode !== 'approve' && mode !== 'auto') throw new UsageError('<mode> is approve or auto')
      const api = await ctx.client()
      const group = await resolveGroup(api, ref)
      await api.post<GroupView>(`/v1/groups/${seg(group.id)}/join-approval`, { mode })
      ctx.out(`joins by link: ${mode}`)
    })

  groups.command('requests')
    .description('join requests by link waiting for your approval')
    .argument('<group>', 'group id or name')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const group = await resolveGroup(api, ref)
      const { items } = await api.get<{ items: GroupJoinRequestView[] }>(`/v1/groups/${seg(group.id)}/join-requests`)
      if (opts.json === true) ctx.out(JSON.stringify(items))
      else items.forEach((r) => { ctx.out(`${r.address}  ${new Date(r.at).toISOString()}`) })
    })

  for (const [name, description] of [['approve', 'approve a join request: the requester is added'], ['decline', 'decline a join request (the requester is told)']] as const) {
    groups.command(name)
      .description(description)
      .argument('<group>', 'group id or name')
      .argument('<requester>', 'the requester\'s address (or contact name)')
      .action(async (ref: string, who: string, _opts, command: Command) => {
        const ctx = contextOf(command)
        const api = await ctx.client()
        const group = await resolveGroup(api, ref)
        // a requester is seldom a contact: a name that is no contact is taken as an address
        const address = await resolveContact(api, who).then((c) => c.address, (err: unknown) => { if (err instanceof ContactNotFoundError) return who; throw err })
        await api.post(`/v1/groups/${seg(group.id)}/join-requests/${seg(address)}/${name}`, {})
        ctx.out(`${name === 'approve' ? 'approved' : 'declined'} ${address}`)
      })
  }
}
