import type { Command } from 'commander'
import type { ConversationView } from '../../daemon/api-types.js'
import { seg } from '../api-client.js'
import { resolveContact, secretChatWith } from '../contact-ref.js'
import { contextOf } from '../context.js'
import { ContactNotFoundError } from '../errors.js'

/** `parley secret start|accept|close <contact>`. */
export function registerSecret (program: Command): void {
  const secret = program.command('secret').description('secret chats: one device each side, never synced, cannot be forwarded')

  secret.command('start')
    .description('ask the contact for a secret chat')
    .argument('<contact>', 'address or name')
    .option('--direct-only', 'never pass through relays (both must be online)')
    .action(async (ref: string, opts: { directOnly?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const contact = await resolveContact(api, ref)
      const chat = await api.post<ConversationView>('/v1/secret-chats', { address: contact.address, directOnly: opts.directOnly === true })
      ctx.out(`${chat.id} ${chat.secretState ?? ''}`.trim())
    })

  secret.command('accept')
    .description('accept the contact\'s secret chat request')
    .argument('<contact>', 'address or name')
    .action(async (ref: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const contact = await resolveContact(api, ref)
      const pending = await secretChatWith(api, contact.address, ['incoming'])
      if (pending == null) throw new ContactNotFoundError(`${ref}: no secret chat request`)
      const chat = await api.post<ConversationView>(`/v1/conversations/${seg(pending.id)}/accept`)
      ctx.out(`${chat.id} ${chat.secretState ?? ''}`.trim())
    })

  secret.command('close')
    .description('close the secret chat with the contact')
    .argument('<contact>', 'address or name')
    .action(async (ref: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const contact = await resolveContact(api, ref)
      const chat = await secretChatWith(api, contact.address, ['active', 'pending', 'incoming'])
      if (chat == null) throw new ContactNotFoundError(`${ref}: no open secret chat`)
      await api.post(`/v1/conversations/${seg(chat.id)}/close`)
      ctx.out(`${chat.id} closed`)
    })
}
