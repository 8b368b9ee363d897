import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import type { DeliveryState, MessageView, MessengerEvents, Page } from '../../daemon/api-types.js'
import { seg, type ApiClient } from '../api-client.js'
import { conversationFor } from '../contact-ref.js'
import { contextOf } from '../context.js'
import { formatDuration, parseDuration } from '../duration.js'
import { formatMessage, ticks } from '../format.js'
import { readSse } from '../sse-client.js'

const CHAT_EVENTS = 'message,message-updated,messages-deleted,delivery,typing,conversation-updated,contact-devices-changed'
/** Typing indicator: re-sent at most this often while keys are pressed; cleared after this idle time. */
const TYPING_REFRESH_MS = 3000
const TYPING_IDLE_MS = 4000

const HELP = [
  'commands: /ttl <duration>|off  (disappearing timer for what you send next)',
  '          /quit (or Ctrl-D)'
]

/** `parley chat <contact>`: an interactive terminal chat with live messages, ticks and typing. */
export function registerChat (program: Command): void {
  program.command('chat')
    .description('interactive chat: live incoming messages, delivery ticks, typing; /quit to leave')
    .argument('<contact>', 'address or name')
    .action(async (ref: string, _opts, command: Command) => {
      const ctx = contextOf(command)
      const api = await ctx.client()
      const { contact, conversation } = await conversationFor(api, ref)
      const tty = process.stdin.isTTY === true && process.stdout.isTTY === true
      const stop = new AbortController()
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty, prompt: '> ' })
      const print = (line: string): void => {
        if (tty) process.stdout.write('\r\x1b[K')
        process.stdout.write(line + '\n')
        if (tty) rl.prompt(true)
      }

      const history = await api.get<Page<MessageView>>(`/v1/conversations/${seg(conversation.id)}/messages?limit=20`)
      for (const m of [...history.items].reverse()) print(formatMessage(m, contact.name))
      const events = await api.fetch(`/v1/events?types=${CHAT_EVENTS}`, { signal: stop.signal })
      if (!events.ok || events.body == null) throw new Error(`Could not open the event stream (HTTP ${events.status})`)
      const stream = readSse(events.body)
      await stream.next() // ready: from here on nothing is missed
      await api.post(`/v1/conversations/${seg(conversation.id)}/read`).catch(() => {})
      print(`chatting with ${contact.name} (${contact.address}); /help for commands`)

      const pump = (async () => {
        let peerTyping = false
        for await (const { event, data } of stream) {
          if (event === 'message' || event === 'message-updated') {
            const { message } = data as MessengerEvents['message']
            if (message.conversationId !== conversation.id) continue
            if (event === 'message' && message.direction === 'in') {
              peerTyping = false
              print(formatMessage(message, contact.name))
              void api.post(`/v1/conversations/${seg(conversation.id)}/read`).catch(() => {})
            } else if (event === 'message-updated') {
              print(`  updated: ${formatMessage(message, contact.name)}`)
            }
          } else if (event === 'delivery') {
            const d = data as MessengerEvents['delivery']
            if (d.conversationId === conversation.id) print(`  ${ticks(d.state as DeliveryState)} ${d.messageId}${d.reason != null ? ` (${d.reason})` : ''}`)
          } else if (event === 'typing') {
            const t = data as MessengerEvents['typing']
            if (t.conversationId !== conversation.id || t.typing === peerTyping) continue
            peerTyping = t.typing
            if (t.typing) print(`  ${contact.name} is typing…`)
          } else if (event === 'messages-deleted') {
            const d = data as MessengerEvents['messages-deleted']
            if (d.conversationId === conversation.id) print(`  deleted: ${d.ids.join(', ')}`)
          } else if (event === 'contact-devices-changed') {
            const d = data as MessengerEvents['contact-devices-changed']
            if (d.address === contact.address) print(`  ${formatDeviceChange(contact.name, d)}`)
          }
        }
      })().catch((err: Error) => { if (!stop.signal.aborted) print(`event stream ended: ${err.message}`) })

      const typing = typingSender(api, conversation.id)
      if (tty) process.stdin.on('keypress', () => { typing.pressed() })

      let ttlMs: number | undefined
      const sends: Array<Promise<unknown>> = []
      rl.on('line', (line) => {
        const text = line.trim()
        if (text === '') { if (tty) rl.prompt(); return }
        if (text === '/quit') { rl.close(); return }
        if (text === '/help') { HELP.forEach(print); return }
        if (text.startsWith('/ttl')) {
          const arg = text.slice(4).trim()
          try {
            ttlMs = arg === 'off' ? undefined : parseDuration(arg)
            print(ttlMs != null ? `  messages now disappear after ${formatDuration(ttlMs)}` : '  disappearing timer off')
          } catch (err) { print(`  ${(err as Error).message}`) }
          return
        }
        typing.sent()
        sends.push(api.post<{ message: MessageView }>(`/v1/conversations/${seg(conversation.id)}/messages`, { text, ...(ttlMs != null ? { ttlMs } : {}) })
          .then(({ message }) => { print(formatMessage(message, contact.name)) })
          .catch((err: Error) => { print(`  not sent: ${err.message}`) }))
      })
      if (tty) rl.prompt()
      await new Promise<void>((resolve) => { rl.once('close', resolve) })
      await Promise.allSettled(sends)
      typing.stop()
      stop.abort()
      await pump
    })
}

/** Sends typing=true at most every few seconds while keys are pressed, typing=false when idle or sent. */
function typingSender (api: ApiClient, conversationId: string): { pressed: () => void, sent: () => void, stop: () => void } {
  let lastSent = 0
  let idle: ReturnType<typeof setTimeout> | undefined
  const post = (typing: boolean): void => { void api.post(`/v1/conversations/${seg(conversationId)}/typing`, { typing }).catch(() => {}) }
  const clear = (): void => {
    if (idle != null) clearTimeout(idle)
    idle = undefined
    if (lastSent !== 0) { lastSent = 0; post(false) }
  }
  return {
    pressed: () => {
      const now = Date.now()
      if (now - lastSent > TYPING_REFRESH_MS) { lastSent = now; post(true) }
      if (idle != null) clearTimeout(idle)
      idle = setTimeout(clear, TYPING_IDLE_MS)
    },
    sent: clear,
    stop: () => { if (idle != null) clearTimeout(idle) }
  }
}

/** A contact's device change, as the chat shows it: not a safety-number change. */
export function formatDeviceChange (name: string, d: MessengerEvents['contact-devices-changed']): string {
  const parts = [d.added.length > 0 ? `added ${d.added.length} device${d.added.length > 1 ? 's' : ''}` : '', d.removed.length > 0 ? `removed ${d.removed.length} device${d.removed.length > 1 ? 's' : ''}` : ''].filter((p) => p !== '')
  return `${name} ${parts.join(' and ')} (same account key: the safety number is unchanged)`
}
