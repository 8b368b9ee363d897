import type { Command } from 'commander'
import type { ContactView, ConversationView, DeliveryState, MessageView, Page } from '../../daemon/api-types.js'
import { seg } from '../api-client.js'
import { conversationFor, resolveContact, secretChatWith } from '../contact-ref.js'
import { contextOf } from '../context.js'
import { contactOrGroup } from '../group-ref.js'
import { parseDuration } from '../duration.js'
import { ContactNotFoundError, DeliveryFailedError, UsageError } from '../errors.js'
import { formatMessage } from '../format.js'

interface SendOptions {
  ttl?: string
  secret?: boolean
  replyTo?: string
  wait?: boolean
  timeout: string
}

/** `parley send`, `messages`, `delete`, `forward`. */
export function registerMessages (program: Command): void {
  program.command('send')
    .description('send a text message; prints the message id')
    .argument('<contact>', 'address or name of a contact, or a group\'s id or name')
    .argument('<text>', 'the message')
    .option('--ttl <duration>', 'disappear after this long (e.g. 30s, 5m, 1h, 1d, 1w)')
    .option('--secret', 'send in the active secret chat with the contact')
    .option('--reply-to <id>', 'id of the message this replies to')
    .option('--wait', 'wait until it was sent, stored at a relay or failed, and say which')
    .option('--timeout <duration>', 'how long --wait waits', '60s')
    .action(async (ref: string, text: string, opts: SendOptions, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      let conversation: ConversationView
      if (opts.secret === true) {
        const contact = await resolveContact(api, ref)
        const secret = await secretChatWith(api, contact.address, ['active'])
        if (secret == null) throw new ContactNotFoundError(`${ref}: no active secret chat (start one with \`parley secret start\`)`)
        conversation = secret
      } else {
        // a contact (address or name), else a group (id or name)
        const found = await contactOrGroup(api, ref)
        conversation = found.group != null ? await api.get<ConversationView>(`/v1/conversations/${seg(found.group.id)}`) : (await conversationFor(api, ref)).conversation
      }
      const ttlMs = opts.ttl != null ? parseDuration(opts.ttl) : undefined
      const waitMs = parseDuration(opts.timeout)
      const result = await api.post<{ message: MessageView, delivery?: { state: DeliveryState, reason?: string } }>(
        `/v1/conversations/${seg(conversation.id)}/messages`,
        { text, ...(ttlMs != null ? { ttlMs } : {}), ...(opts.replyTo != null ? { replyTo: opts.replyTo } : {}), ...(opts.wait === true ? { wait: true, waitMs } : {}) },
        { signal: AbortSignal.timeout(waitMs + 30_000) }
      )
      ctx.out(result.message.id)
      if (result.delivery != null) {
        if (result.delivery.state === 'failed') throw new DeliveryFailedError(result.delivery.reason)
        ctx.out(result.delivery.reason === 'timeout' ? 'queued (not yet delivered; it stays in the outbox)' : result.delivery.state)
      }
    })

  program.command('messages')
    .description('show the latest messages with a contact or in a group, oldest first')
    .argument('<contact>', 'address or name of a contact, or a group\'s id or name')
    .option('--limit <n>', 'how many', '20')
    .option('--secret', 'the active secret chat instead of the normal conversation')
    .option('--json', 'print JSON (newest first, as the API returns them)')
    .action(async (ref: string, opts: { limit: string, secret?: boolean, json?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const limit = Number(opts.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit must be from 1 to 500')
      const api = await ctx.client()
      const found = opts.secret === true ? {} : await contactOrGroup(api, ref)
      if (found.group != null) {
        // a group: each message shows its sender (a contact's name, else the address)
        const { items: contacts } = await api.get<{ items: ContactView[] }>('/v1/contacts')
        const nameOf = (address: string): string => contacts.find((c) => c.address === address)?.name ?? address
        const page = await api.get<Page<MessageView>>(`/v1/conversations/${seg(found.group.id)}/messages?limit=${limit}`)
        if (opts.json === true) { ctx.out(JSON.stringify(page.items)); return }
        for (const m of [...page.items].reverse()) ctx.out(formatMessage(m, nameOf(m.sender)))
        return
      }
      const contact = await resolveContact(api, ref)
      const conversation = opts.secret === true
        ? await secretChatWith(api, contact.address, ['active', 'closed', 'pending', 'incoming'])
        : (await conversationFor(api, contact.address)).conversation
      if (conversation == null) throw new ContactNotFoundError(`${ref}: no secret chat`)
      const page = await api.get<Page<MessageView>>(`/v1/conversations/${seg(conversation.id)}/messages?limit=${limit}`)
      if (opts.json === true) { ctx.out(JSON.stringify(page.items)); return }
      for (const m of [...page.items].reverse()) ctx.out(formatMessage(m, contact.name))
    })

  program.command('delete')
    .description('delete messages here, or with --for-everyone on both sides (in a group: for every member)')
    .argument('<contact>', 'address or name of a contact, or a group\'s id or name')
    .argument('<ids...>', 'message ids')
    .option('--for-everyone', 'delete on every device of both sides')
    .option('--secret', 'in the secret chat with the contact')
    .action(async (ref: string, ids: string[], opts: { forEveryone?: boolean, secret?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const found = opts.secret === true ? {} : await contactOrGroup(api, ref)
      if (found.group != null) {
        // a group: for everyone, only the author's own messages, or any as an admin
        await api.post(`/v1/conversations/${seg(found.group.id)}/delete`, { ids, forEveryone: opts.forEveryone === true })
        ctx.out(`deleted ${ids.length} message${ids.length === 1 ? '' : 's'}${opts.forEveryone === true ? ' for everyone' : ''}`)
        return
      }
      const contact = await resolveContact(api, ref)
      const conversation = opts.secret === true
        ? await secretChatWith(api, contact.address, ['active', 'closed'])
        : (await conversationFor(api, contact.address)).conversation
      if (conversation == null) throw new ContactNotFoundError(`${ref}: no secret chat`)
      await api.post(`/v1/conversations/${seg(conversation.id)}/delete`, { ids, forEveryone: opts.forEveryone === true })
      ctx.out(`deleted ${ids.length} message${ids.length === 1 ? '' : 's'}${opts.forEveryone === true ? ' for everyone' : ''}`)
    })

  program.command('forward')
    .description('forward a message to another contact (messages of secret chats cannot be forwarded)')
    .argument('<from>', 'the contact whose conversation holds the message (address or name)')
    .argument('<id>', 'message id')
    .argument('<to>', 'the contact to forward it to')
    .option('--secret', 'the message is in the secret chat with <from>')
    .action(async (fromRef: string, id: string, toRef: string, opts: { secret?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const from = await resolveContact(api, fromRef)
      const source = opts.secret === true
        ? await secretChatWith(api, from.address, ['active', 'closed'])
        : (await conversationFor(api, from.address)).conversation
      if (source == null) throw new ContactNotFoundError(`${fromRef}: no secret chat`)
      const target = (await conversationFor(api, toRef)).conversation
      const message = await api.post<MessageView>(`/v1/conversations/${seg(source.id)}/messages/${seg(id)}/forward`, { to: target.id })
      ctx.out(message.id)
    })
}
