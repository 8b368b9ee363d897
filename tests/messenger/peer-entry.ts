/**
 * A messenger in its own process, for multi-process tests. Driven by JSON lines on stdin:
 *   {"id":1,"cmd":"send","to":ADDRESS,"text":"…"} → {"id":1,"ok":true,"messageId":"…"}
 *   {"id":2,"cmd":"texts","with":ADDRESS}          → {"id":2,"ok":true,"texts":[…oldest first]}
 *   {"id":3,"cmd":"outbox"}                        → {"id":3,"ok":true,"count":N}
 *   {"id":5,"cmd":"publish"}                       → puts the account record in the DHT now
 *   {"id":6,"cmd":"messages","with":ADDRESS}       → {"id":6,"ok":true,"messages":[{id,text,expiresAt,sentAt}…oldest first]}
 *   {"id":4,"cmd":"stop"}                          → stops and exits 0
 * "send" also takes "ttlMs" (a disappearing message).
 * Prints {"event":"ready","address":…,"multiaddrs":[…]} when started, delivery events, and
 * {"event":"message","id":…,"text":…} for every message received.
 * Args: --home DIR [--relay MA]… [--bootstrap MA]… [--relay-count N] [--drain-page-size N] [--listen MA]
 */
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { createMessenger } from '../../src/node/messenger.js'
import { openHomeNode } from '../../src/node/home.js'

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    relay: { type: 'string', multiple: true, default: [] },
    bootstrap: { type: 'string', multiple: true, default: [] },
    'relay-count': { type: 'string' },
    'drain-page-size': { type: 'string' },
    listen: { type: 'string' }
  }
})
const print = (o: unknown): void => { process.stdout.write(JSON.stringify(o) + '\n') }

const node = await openHomeNode({
  home: values.home!,
  passphrase: 'process test passphrase',
  create: true,
  kdf: { N: 1024, r: 8, p: 1 },
  listen: [values.listen ?? '/ip4/127.0.0.1/tcp/0'],
  manyPeersPerAddress: true,
  bootstrap: [...values.bootstrap!, ...values.relay!]
})
const messenger = await createMessenger({
  node,
  store: node.store,
  relays: values.relay,
  relayCount: values['relay-count'] != null ? Number(values['relay-count']) : undefined,
  drainPageSize: values['drain-page-size'] != null ? Number(values['drain-page-size']) : undefined,
  allowPrivateAddresses: true,
  outbox: { directTimeoutMs: 1000, pollMs: 200 }
})
messenger.addEventListener('delivery', (evt) => { print({ event: 'delivery', ...evt.detail }) })
messenger.addEventListener('message', (evt) => { print({ event: 'message', id: evt.detail.message.id, text: evt.detail.message.text }) })
await messenger.start()
print({ event: 'ready', address: messenger.address, multiaddrs: node.multiaddrs.map(String) })

let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  await messenger.stop()
  await node.stop()
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })

for await (const line of createInterface({ input: process.stdin })) {
  let request: { id: number, cmd: string, to?: string, with?: string, text?: string, ttlMs?: number }
  try { request = JSON.parse(line) } catch { continue }
  try {
    if (request.cmd === 'send') {
      const conversation = await messenger.conversationWith(request.to!)
      const message = await messenger.sendText(conversation.id, request.text!, request.ttlMs != null ? { ttlMs: request.ttlMs } : {})
      print({ id: request.id, ok: true, messageId: message.id })
    } else if (request.cmd === 'texts') {
      const conversation = await messenger.conversationWith(request.with!)
      const texts: string[] = []
      let cursor: string | undefined
      do {
        const page = await messenger.messages(conversation.id, { limit: 500, cursor })
        texts.push(...page.items.map((m) => m.text ?? ''))
        cursor = page.cursor
      } while (cursor != null)
      print({ id: request.id, ok: true, texts: texts.reverse() })
    } else if (request.cmd === 'messages') {
      const conversation = await messenger.conversationWith(request.with!)
      const page = await messenger.messages(conversation.id, { limit: 500 })
      print({ id: request.id, ok: true, messages: page.items.reverse().map((m) => ({ id: m.id, text: m.text, expiresAt: m.expiresAt, sentAt: m.sentAt })) })
    } else if (request.cmd === 'publish') {
      await node.publishAccountRecord({ signal: AbortSignal.timeout(30_000) })
      print({ id: request.id, ok: true })
    } else if (request.cmd === 'outbox') {
      print({ id: request.id, ok: true, count: (await messenger.status()).outbox })
    } else if (request.cmd === 'stop') {
      print({ id: request.id, ok: true })
      await stop()
    }
  } catch (err) {
    print({ id: request.id, ok: false, error: (err as Error).message })
  }
}
