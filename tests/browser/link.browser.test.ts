/**
 * Device linking when one side is a browser (issue #19), in headless Chromium with a relay on
 * 127.0.0.1 (tests/browser/relay-global-setup.ts) and Node devices run in vitest's Node process
 * (tests/browser/link-commands.ts):
 * - a browser account links a Node device: the browser's code names it only through the relay,
 *   the link runs on the relay's limited connection, and the history goes through the account's
 *   relays (sealed archive), never on the limited connection;
 * - a stranger who saw no code, through the same relay, is held to the handler's limits;
 * - a browser joins a Node account as its second device (`createParley({ link })`).
 */
import { afterAll, describe, expect, inject, it } from 'vitest'
import { commands } from 'vitest/browser'
import { createParley, destroyStore, type Parley } from '../../src/browser/index.js'
import { decodeLinkCode } from '../../src/device/device-link.js'
import type { LinkRequestView, MessageView } from '../../src/messenger/types.js'

const tag = Math.random().toString(36).slice(2)

async function waitUntil (condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function texts (p: Parley): Promise<string[]> {
  const out: string[] = []
  for (const chat of (await p.conversations()).items) {
    const page = await p.messages(chat.id, { limit: 500 })
    out.push(...page.items.map((m: MessageView) => m.text ?? ''))
  }
  return out
}

describe('device linking with a browser (limited relay connections, createParley({ link }))', () => {
  const relayWs = inject('relayWs')
  const cleanups: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
  }, 90_000)

  const open = async (name: string, extra: Partial<Parameters<typeof createParley>[0]> = {}): Promise<Parley> => {
    const parley = await createParley({
      relays: [relayWs],
      storage: { name: `${name}-${tag}` },
      allowPrivateAddresses: true,
      messenger: { outbox: { directTimeoutMs: 1500, pollMs: 200 } },
      ...extra
    })
    cleanups.push(async () => {
      await parley.stop()
      await destroyStore(parley.storageName)
    })
    return parley
  }

  it('a browser account links a Node device through the relay; its history comes through the relays', async () => {
    cleanups.push(async () => { await commands.linkNodesStop() })
    const alice = await open('alice')
    const bob = await open('bob')
    await bob.addContact(alice.inviteLink())
    await alice.addContact(bob.inviteLink())
    const chat = await alice.conversationWith(bob.address)
    for (let i = 0; i < 5; i++) await alice.sendText(chat.id, `from the browser ${i}`)

    const code = await alice.createDeviceLink()
    // the browser is reachable only through its relay: every address of its code is relayed
    const { multiaddrs } = decodeLinkCode(code)
    expect(multiaddrs.length).toBeGreaterThan(0)
    expect(multiaddrs.every((a) => a.includes('/p2p-circuit'))).toBe(true)

    const request = alice.next('device-link-request', { signal: AbortSignal.timeout(60_000) })
    const { sas } = await commands.linkNodeDeviceBegin(code, relayWs)
    const asked: LinkRequestView = await request
    expect(asked.sas).toBe(sas)
    await alice.confirmDeviceLink(asked.id, true, { sas })

    const linked = await commands.linkNodeDeviceFinish()
    expect(linked.address).toBe(alice.address)
    // asked for direct history, but the link ran on a relay's limited connection: the relays carried it
    expect(linked.via).toBe('relay')
    expect(linked.done).toMatchObject({ role: 'receiving', via: 'relay', received: 5, total: 5 })
    for (let i = 0; i < 5; i++) expect(linked.texts).toContain(`from the browser ${i}`)
    expect(linked.devices).toBe(2)
    await waitUntil(async () => (await alice.devices()).length === 2, 'the browser to list two devices')
    await commands.linkNodesStop()
  }, 120_000)

  it('a stranger through the relay is held to the link handler\'s limits and refused with a typed code', async () => {
    const carol = await open('carol')
    const code = await carol.createDeviceLink()
    const requests: LinkRequestView[] = []
    carol.addEventListener('device-link-request', (evt) => { requests.push(evt.detail) })
    // four streams at once on one limited connection: at most two are served (the per-connection limit)
    const stranger = await commands.linkStranger(code, 4)
    expect(stranger.limited).toBe(true)
    expect(stranger.served).toBeGreaterThanOrEqual(1)
    expect(stranger.served).toBeLessThanOrEqual(2)
    // a request under a MAC no code gave: refused, typed; the user is never asked
    expect(stranger.answer).toBe('ERR_LINK_REFUSED')
    expect(requests).toEqual([])
    // the code still works for the real new device afterwards
    const request = carol.next('device-link-request', { signal: AbortSignal.timeout(60_000) })
    const { sas } = await commands.linkNodeDeviceBegin(code, relayWs)
    expect((await request).sas).toBe(sas)
    await carol.confirmDeviceLink((await request).id, false)
    await commands.linkNodesStop()
  }, 120_000)

  it('a browser joins a Node account as its second device (createParley({ link })): same SAS, history direct, then new messages', async () => {
    cleanups.push(async () => { await commands.linkNodesStop() })
    const account = await commands.nodeAccountStart(relayWs)
    const bob = await open('bob-b')
    await bob.addContact(account.invite)
    const chat = await bob.conversationWith(account.address)
    await bob.sendText(chat.id, 'hello node')
    await commands.nodeAccountReply('hello node', 'hello browser')

    // a wrong SAS on the existing device: declined, typed, and the page's store stays without an account
    const refusedCode = await commands.nodeAccountLinkCode()
    let refusedAsked: Promise<string> | undefined
    const refused = await createParley({
      relays: [relayWs],
      storage: { name: `refused-${tag}` },
      allowPrivateAddresses: true,
      link: { code: refusedCode, onSas: () => { refusedAsked = commands.nodeAccountConfirm('000 000') } }
    }).then(() => undefined, (err: unknown) => err)
    cleanups.push(async () => { await destroyStore(`refused-${tag}`) })
    expect(refusedAsked).toBeDefined()
    expect(refused).toMatchObject({ code: 'ERR_LINK_DECLINED' })

    const code = await commands.nodeAccountLinkCode()
    let shown: string | undefined
    let confirmed: Promise<string> | undefined
    const progress: Array<{ received: number, total: number, done: boolean, via: string }> = []
    const dana = await open('dana', {
      link: {
        code,
        history: { kind: 'all' },
        onSas: (sas) => { shown = sas; confirmed = commands.nodeAccountConfirm(sas) },
        onProgress: (p) => { progress.push(p) }
      }
    })
    // both screens showed the same six digits
    expect(shown).toMatch(/^\d{3} \d{3}$/)
    expect(await confirmed).toBe(shown)
    expect(dana.address).toBe(account.address)
    // the history came directly (the page dialled the Node device's WebSockets address)
    expect(progress.at(-1)).toMatchObject({ done: true, via: 'direct', received: 2, total: 2 })
    const held = await texts(dana)
    expect(held).toContain('hello node')
    expect(held).toContain('hello browser')
    expect((await dana.devices()).length).toBe(2)
    expect(await commands.nodeAccountDevices()).toBe(2)

    // a full device of the account: bob's next message reaches it
    const arrived = dana.next('message', { signal: AbortSignal.timeout(60_000), filter: (d) => d.message.text === 'after the link' })
    await bob.sendText(chat.id, 'after the link')
    expect((await arrived).message.direction).toBe('in')
    await commands.linkNodesStop()
  }, 150_000)
})
