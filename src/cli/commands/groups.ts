import type { Command } from 'commander'
import type { GroupView } from '../../daemon/api-types.js'
import { seg } from '../api-client.js'
import { contextOf } from '../context.js'
import { memberAddresses, resolveGroup } from '../group-ref.js'
import { registerGroupLinks } from './group-links.js'

function line (g: GroupView): string {
  return `${g.id}  ${g.name}  (${g.members.length} members${g.self !== 'member' ? `, ${g.self}` : ''})`
}

/** `parley groups create|list|add|remove|leave|members|rename|promote|demote`; `<group>` is a group id or name. */
export function registerGroups (program: Command): void {
  const groups = program.command('groups').description('manage groups; <group> is a group id or name, <contact> an address or contact name')

  groups.command('create')
    .description('create a group with these contacts (you are its admin); prints its id')
    .argument('<name>', 'the group\'s name')
    .argument('<contacts...>', 'members: addresses or contact names')
    .action(async (name: string, refs: string[], _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const group = await api.post<GroupView>('/v1/groups', { name, members: await memberAddresses(api, refs) })
      ctx.out(group.id)
    })

  groups.command('list')
    .description('list groups')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const { items } = await (await ctx.client()).get<{ items: GroupView[] }>('/v1/groups')
      if (opts.json === true) ctx.out(JSON.stringify(items))
      else items.forEach((g) => { ctx.out(line(g)) })
    })

  groups.command('members')
    .description('list a group\'s members and their roles')
    .argument('<group>', 'group id or name')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const group = await resolveGroup(await ctx.client(), ref)
      if (opts.json === true) ctx.out(JSON.stringify(group.members))
      else group.members.forEach((m) => { ctx.out(`${m.address}  ${m.role}`) })
    })

  const change = (name: string, description: string, path: string): void => {
    groups.command(name)
      .description(description)
      .argument('<group>', 'group id or name')
      .argument('<contacts...>', 'addresses or contact names')
      .action(async (ref: string, refs: string[], _opts, command: Command) => {
        const ctx = contextOf(command)
        const api = await ctx.client()
        const group = await resolveGroup(api, ref)
        ctx.out(line(await api.post<GroupView>(`/v1/groups/${seg(group.id)}/${path}`, { members: await memberAddresses(api, refs) })))
      })
  }
  change('add', 'add members', 'members')
  change('remove', 'remove members (admins only)', 'members/remove')
  change('promote', 'make members admins (admins only)', 'admins')
  change('demote', 'make admins members again (admins only)', 'admins/remove')

  groups.command('leave')
    .description('leave a group')
    .argument('<group>', 'group id or name')
    .action(async (ref: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const group = await resolveGroup(api, ref)
      ctx.out(line(await api.post<GroupView>(`/v1/groups/${seg(group.id)}/leave`, {})))
    })

  groups.command('rename')
    .description('rename a group')
    .argument('<group>', 'group id or name')
    .argument('<name>', 'the new name')
    .action(async (ref: string, name: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const group = await resolveGroup(api, ref)
      ctx.out(line(await api.request<GroupView>('PATCH', `/v1/groups/${seg(group.id)}`, { name })))
    })

  registerGroupLinks(groups)
}
