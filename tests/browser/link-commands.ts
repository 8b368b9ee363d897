/**
 * Browser commands (they run in vitest's Node process) for tests/browser/link.browser.test.ts:
 * Node devices on 127.0.0.1 on the other side of a device link with a browser account — a new
 * Node device joining the page's account, an existing Node account the page joins — and a
 * stranger who abuses the page's link handler through the relay. Loaded lazily so that the
 * config does not import the messenger.
 */
import type { BrowserCommand } from 'vitest/node'
import type { HistoryProgressView, LinkRequestView } from '../../src/messenger/types.js'
import type { HomeMessenger } from '../../src/node/messenger.js'

/** What the new Node device holds once its history arrived. */
export interface LinkedNodeSummary {
  address: string
  /** How its history came: `relay` when the link ran on a relay's limited connection. */
  via: 'direct' | 'relay'
  /** Devices in its account record. */
  devices: number
  /** Texts of every message of every conversation, oldest first per conversation. */
  texts: string[]
  done: HistoryProgressView
}

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** A new Node device starts linking with `code`; resolves with the SAS it shows once its request is sent. */
    linkNodeDeviceBegin: (code: string, relayWs: string) => Promise<{ sas: string }>
    /** Waits for the new Node device to be linked, started and to have stored its history. */
    linkNodeDeviceFinish: () => Promise<LinkedNodeSummary>
    /** A Node account (existing device) with a WebSockets listener the page can dial: its address and invite link. */
    nodeAccountStart: (relayWs: string) => Promise<{ address: string, invite: string }>
    /** Waits until the Node account holds an incoming message with `text`; sends `reply` back to its sender. */
    nodeAccountReply: (text: string, reply: string) => Promise<void>
    /** A link code of the Node account (it keeps the next link request for `nodeAccountConfirm`). */
    nodeAccountLinkCode: () => Promise<string>
    /** Confirms the Node account's waiting link request when its SAS is `sas` (declines otherwise); resolves with the SAS it showed. */
    nodeAccountConfirm: (sas: string) => Promise<string>
    /** Devices in the Node account's record. */
    nodeAccountDevices: () => Promise<number>
    /**
     * A stranger (a throwaway node that saw no code) opens link streams to the page through the
     * relay: `streams` at once on one connection, then one with a request under a wrong MAC.
     */
    linkStranger: (code: string, streams: number) => Promise<{ served: number, limited: boolean, answer: string }>
    /** Stops every Node device of these commands and removes their files. */
    linkNodesStop: () => Promise<void>
  }
}

const stops: Array<() => Promise<void>> = []
let pendingLink: Promise<{ messenger: HomeMessenger, via: 'direct' | 'relay', done: Promise<HistoryProgressView> }> | undefined
let account: { messenger: HomeMessenger, requests: LinkRequestView[], waiting: Array<(r: LinkRequestView) => void> } | undefined

async function tempHome (name: string): Promise<string> {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = await mkdtemp(join(tmpdir(), `parley-browser-link-${name}-`))
  stops.push(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

const linkNodeDeviceBegin: BrowserCommand<[string, string]> = async (_ctx, code, relayWs) => {
  if (pendingLink != null) throw new Error('a Node device is already linking')
  const { join } = await import('node:path')
  const { openHomeMessenger } = await import('../../src/node/open-home-messenger.js')
  const { FileBlobs } = await import('../../src/node/blob-files.js')
  const { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF } = await import('../helpers/network.js')
  const home = join(await tempHome('new'), 'home')
  let onSas: (sas: string) => void = () => {}
  const sas = new Promise<string>((resolve) => { onSas = resolve })
  let via: 'direct' | 'relay' = 'direct'
  pendingLink = (async () => {
    // asks for direct history: a relay's limited connection must turn it into the relay path
    const messenger = await openHomeMessenger({
      home,
      passphrase: PASSPHRASE,
      kdf: TEST_KDF,
      listen: LOOPBACK_LISTEN,
      manyPeersPerAddress: true,
      relays: [relayWs],
      allowPrivateAddresses: true,
      outbox: { directTimeoutMs: 1500, pollMs: 200 },
      blobs: new FileBlobs(join(home, 'blobs')),
      linkCode: code,
      onLinkSas: onSas,
      history: { kind: 'all' },
      historyVia: 'direct',
      onHistoryProgress: (p) => { via = p.via }
    }, { signal: AbortSignal.timeout(120_000) })
    stops.unshift(async () => { await messenger.stop() })
    const done = messenger.next('history-done', { signal: AbortSignal.timeout(120_000) })
    done.catch(() => {})
    await messenger.start()
    return { messenger, via, done }
  })()
  pendingLink.catch(() => {})
  return { sas: await Promise.race([sas, pendingLink.then(() => { throw new Error('linked without showing a SAS') })]) }
}

const linkNodeDeviceFinish: BrowserCommand<[]> = async () => {
  if (pendingLink == null) throw new Error('no Node device is linking')
  const { messenger, via, done } = await pendingLink
  const finished = await done
  const texts: string[] = []
  for (const chat of (await messenger.conversations()).items) {
    for (let cursor: string | undefined, first = true; first || cursor != null; first = false) {
      const page = await messenger.messages(chat.id, { limit: 500, cursor })
      texts.push(...page.items.map((m) => m.text ?? ''))
      cursor = page.cursor
    }
  }
  const devices = (await messenger.devices()).length
  return { address: messenger.address, via, devices, texts, done: finished }
}

const nodeAccountStart: BrowserCommand<[string]> = async (_ctx, relayWs) => {
  if (account != null) throw new Error('the Node account is already running')
  const { join } = await import('node:path')
  const { FileBlobs } = await import('../../src/node/blob-files.js')
  const { startTestMessenger } = await import('../messenger/helpers.js')
  const dir = await tempHome('account')
  // a WebSockets listener: the page dials the address its link code carries
  const messenger = await startTestMessenger(dir, 'existing', [relayWs], { node: { listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] }, blobs: new FileBlobs(join(dir, 'existing', 'blobs')) })
  stops.unshift(async () => { await messenger.stop() })
  const state = { messenger, requests: [] as LinkRequestView[], waiting: [] as Array<(r: LinkRequestView) => void> }
  messenger.addEventListener('device-link-request', (evt) => {
    const next = state.waiting.shift()
    if (next != null) next(evt.detail)
    else state.requests.push(evt.detail)
  })
  account = state
  return { address: messenger.address, invite: messenger.inviteLink() }
}

const nodeAccountReply: BrowserCommand<[string, string]> = async (_ctx, text, reply) => {
  if (account == null) throw new Error('the Node account is not running')
  const { messenger } = account
  const { waitFor } = await import('../helpers/network.js')
  let chatId: string | undefined
  await waitFor(async () => {
    for (const chat of (await messenger.conversations()).items) {
      if ((await messenger.messages(chat.id, { limit: 50 })).items.some((m) => m.direction === 'in' && m.text === text)) chatId = chat.id
    }
    return chatId != null
  }, 60_000, `"${text}" at the Node account`)
  await messenger.sendText(chatId as string, reply)
}

const nodeAccountLinkCode: BrowserCommand<[]> = async () => {
  if (account == null) throw new Error('the Node account is not running')
  return await account.messenger.createDeviceLink()
}

const nodeAccountConfirm: BrowserCommand<[string]> = async (_ctx, sas) => {
  const state = account
  if (state == null) throw new Error('the Node account is not running')
  const request = state.requests.shift() ?? await new Promise<LinkRequestView>((resolve) => { state.waiting.push(resolve) })
  await state.messenger.confirmDeviceLink(request.id, request.sas === sas, { sas })
  return request.sas
}

const nodeAccountDevices: BrowserCommand<[]> = async () => {
  if (account == null) throw new Error('the Node account is not running')
  return (await account.messenger.devices()).length
}

const linkStranger: BrowserCommand<[string, number]> = async (_ctx, code, streams) => {
  const { multiaddr } = await import('@multiformats/multiaddr')
  const { createEphemeralNode } = await import('../../src/p2p/index.js')
  const { decodeLinkCode, LINK_PROTOCOL } = await import('../../src/device/device-link.js')
  const { encodeFrame, writeWithBackpressure, FrameReader } = await import('../../src/net/stream/frame-reader.js')
  const { LinkRequest, LinkResponse } = await import('../../src/wire/link.js')
  const { randomBytes } = await import('@noble/hashes/utils.js')
  const decoded = decodeLinkCode(code)
  const target = decoded.multiaddrs.map((a) => multiaddr(a)).find((ma) => ma.getComponents().every((c) => c.name !== 'webrtc'))
  if (target == null) throw new Error('the code has no circuit address without WebRTC')
  const node = await createEphemeralNode({ relayed: true, allowPrivateAddresses: true })
  await node.start()
  try {
    const signal = AbortSignal.timeout(60_000)
    const connection = await node.dial(target, { signal })
    // several streams at once on one connection: the handler's per-connection stream limit
    const tries = await Promise.allSettled(Array.from({ length: streams }, async () => connection.newStream(LINK_PROTOCOL, { signal, runOnLimitedConnection: true })))
    const opened = tries.filter((t) => t.status === 'fulfilled').map((t) => t.value)
    // a stream over the handler's inbound limit is reset by the page (seen here on the first read)
    let served = 0
    let answer = ''
    await Promise.all(opened.map(async (stream) => {
      const reader = new FrameReader(stream, { maxFrameBytes: 64 * 1024, frameTimeoutMs: 30_000 })
      try {
        // a request under a MAC that no code gave: refused with a typed code, nothing else happens
        const request = LinkRequest.encode({ deviceEntry: randomBytes(200), mac: randomBytes(32), historyDays: 0, historyAll: true, historyViaRelay: false })
        await writeWithBackpressure(stream, encodeFrame(request), { signal })
        const frame = await reader.next({ signal })
        if (frame == null) return
        answer = LinkResponse.decode(frame).code
        served++
      } catch {}
    }))
    return { served, limited: connection.limits != null, answer }
  } finally {
    await node.stop()
  }
}

const linkNodesStop: BrowserCommand<[]> = async () => {
  const link = pendingLink
  pendingLink = undefined
  account = undefined
  await link?.catch(() => undefined)
  for (const stop of stops.splice(0)) await stop().catch(() => {})
}

export const linkCommands = { linkNodeDeviceBegin, linkNodeDeviceFinish, nodeAccountStart, nodeAccountReply, nodeAccountLinkCode, nodeAccountConfirm, nodeAccountDevices, linkStranger, linkNodesStop }
