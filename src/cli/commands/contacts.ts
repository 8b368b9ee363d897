import type { Command } from 'commander'
import type { ContactView } from '../../daemon/api-types.js'
import { seg } from '../api-client.js'
import { resolveContact } from '../contact-ref.js'
import { contextOf } from '../context.js'
import { formatContact, formatSafetyNumber } from '../format.js'

/** `parley contacts add|list|remove|verify|block|unblock|rename`. */
export function registerContacts (program: Command): void {
  const contacts = program.command('contacts').description('manage contacts; <contact> is an address or a contact name')

  contacts.command('add')
    .description('add a contact by account ID or invite link')
    .argument('<id-or-link>', 'account ID (address) or parley: invite link')
    .option('--name <name>', 'a name for the contact')
    .action(async (ref: string, opts: { name?: string }, command: Command) => {
      const ctx = contextOf(command)
      const contact = await (await ctx.client()).post<ContactView>('/v1/contacts', { address: ref, ...(opts.name != null ? { name: opts.name } : {}) })
      ctx.out(formatContact(contact))
    })

  contacts.command('list')
    .description('list contacts')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const { items } = await (await ctx.client()).get<{ items: ContactView[] }>('/v1/contacts')
      if (opts.json === true) ctx.out(JSON.stringify(items))
      else items.forEach((c) => { ctx.out(formatContact(c)) })
    })

  contacts.command('remove')
    .description('remove a contact')
    .argument('<contact>', 'address or name')
    .action(async (ref: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const contact = await resolveContact(api, ref)
      await api.request('DELETE', `/v1/contacts/${seg(contact.address)}`)
      ctx.out(`removed ${contact.name}`)
    })

  contacts.command('rename')
    .description('rename a contact')
    .argument('<contact>', 'address or name')
    .argument('<name>', 'new name')
    .action(async (ref: string, name: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const contact = await resolveContact(api, ref)
      ctx.out(formatContact(await api.request<ContactView>('PATCH', `/v1/contacts/${seg(contact.address)}`, { name })))
    })

  contacts.command('verify')
    .description('show the safety number to compare with the contact; --confirm marks the contact verified')
    .argument('<contact>', 'address or name')
    .option('--confirm', 'mark the contact verified (after comparing the numbers)')
    .action(async (ref: string, opts: { confirm?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const contact = await resolveContact(api, ref)
      const { digits } = await api.get<{ digits: string }>(`/v1/contacts/${seg(contact.address)}/safety-number`)
      ctx.out(`safety number with ${contact.name}:`)
      formatSafetyNumber(digits).forEach((row) => { ctx.out(`  ${row}`) })
      if (opts.confirm === true) {
        await api.post(`/v1/contacts/${seg(contact.address)}/verify`)
        ctx.out(`${contact.name} is now verified`)
      } else {
        ctx.out(`status: ${contact.verification}${contact.verification !== 'verified' ? ' (compare the numbers, then run with --confirm)' : ''}`)
      }
    })

  for (const [name, blocked] of [['block', true], ['unblock', false]] as const) {
    contacts.command(name)
      .description(blocked ? 'block a contact (their messages are dropped)' : 'unblock a contact')
      .argument('<contact>', 'address or name')
      .action(async (ref: string, _opts, command: Command) => {
        const ctx = contextOf(command)
        const api = await ctx.client()
        const contact = await resolveContact(api, ref)
        await api.request('PATCH', `/v1/contacts/${seg(contact.address)}`, { blocked })
        ctx.out(`${name}ed ${contact.name}`)
      })
  }
}
