/**
 * Delivery under churn (issue #24): messages between accounts while a share of the devices is
 * offline at any time, devices leaving and joining every few seconds. Each send takes the
 * product's path over the real network: the sender looks the recipient's account record up in
 * the DHT (`dht.get`), dials the recipient's device (3 s, then the outbox's relay fallback),
 * else reaches one of the recipient's relays (dial + ping, 10 s each) and deposits there; the
 * recipient has it when it is online (at once) or when it next joins (its mailbox drain). A
 * send that found no record and no relay is retried every 5 s for 120 s (the outbox), then
 * counted lost. Relays stay up (servers); what a relay does with a deposit, and exactly-once
 * across crashes, are covered by `tests/faults/`.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { leave, rejoin, type SimNode } from './network.js'
import { accountRecord, getRecord, putRecord } from './measure.js'
import { log, pause, pick, pool, summary, type Summary } from './stats.js'

export interface Account { device: SimNode, key: Uint8Array, relays: string[] }

interface Message { from: Account, to: Account, sentAt: number, deliveredAt?: number, via?: 'direct' | 'relay', lookupsFailed: number }

const RETRY_MS = 5_000
const DEADLINE_MS = 120_000
const DIRECT_MS = 3_000
const RELAY_MS = 10_000

/** Publishes one account per device, listing the relays it picked; returns the accounts and how many puts succeeded. */
export async function publishAccounts (devices: readonly SimNode[], picks: string[][]): Promise<{ accounts: Account[], published: number }> {
  let published = 0
  const accounts = await pool(devices.map((device, i) => async () => {
    const relays = picks[i]
    const r = accountRecord(device, relays.map((a) => ({ peerId: peerIdFromString(a.split('/p2p/').pop() ?? '').toMultihash().bytes, multiaddrs: [multiaddr(a).bytes] })))
    if (await putRecord(device, r)) published++
    return { device, key: r.key, relays }
  }), 8)
  return { accounts, published }
}

export interface ChurnPhase {
  churn: number
  seconds: number
  rotations: number
  sent: number
  delivered: number
  lost: number
  ratio: number
  direct: number
  viaRelay: number
  lookupsFailed: number
  delayMs: Summary
}

/** One phase: `level` of the devices offline at any time, a quarter of them swapped every `rotateMs`; `rate` messages a second for `seconds`. */
export async function churnPhase (accounts: readonly Account[], all: readonly SimNode[], level: number, seconds: number, rate: number, rotateMs: number): Promise<ChurnPhase> {
  const devices = accounts.map((a) => a.device)
  const pending = new Map<SimNode, Message[]>()
  const messages: Message[] = []
  const sends: Array<Promise<void>> = []
  const churning = new Set<Promise<void>>()
  const track = (p: Promise<void>): void => { churning.add(p); void p.finally(() => churning.delete(p)) }

  const goOffline = async (node: SimNode): Promise<void> => { await leave(node) }
  const goOnline = async (node: SimNode): Promise<void> => {
    await rejoin(node, all)
    const now = performance.now()
    for (const m of pending.get(node) ?? []) if (m.deliveredAt == null) { m.deliveredAt = now; m.via = 'relay' }
    pending.delete(node)
  }

  async function send (m: Message): Promise<void> {
    while (performance.now() - m.sentAt < DEADLINE_MS) {
      if (m.from.device.live) {
        const found = await getRecord(m.from.device, m.to.key, 15_000)
        if (found == null) m.lookupsFailed++
        else {
          const dialled = await m.from.device.libp2p.dial(m.to.device.libp2p.peerId, { signal: AbortSignal.timeout(DIRECT_MS) }).then(() => true, () => false)
          if (dialled) {
            m.deliveredAt = performance.now()
            m.via = 'direct'
            return
          }
          for (const relay of m.to.relays) {
            const reached = await m.from.device.libp2p.services.ping.ping(multiaddr(relay), { signal: AbortSignal.timeout(RELAY_MS) }).then(() => true, () => false)
            if (!reached) continue
            if (m.to.device.live) {
              m.deliveredAt = performance.now()
              m.via = 'relay'
            } else {
              pending.set(m.to.device, [...(pending.get(m.to.device) ?? []), m])
            }
            return
          }
        }
      }
      await pause(RETRY_MS)
    }
  }

  // the phase's offline set
  const offline = Math.round(level * devices.length)
  while (devices.filter((d) => !d.live).length < offline) await goOffline(pick(devices.filter((d) => d.live)))
  const started = performance.now()
  let rotations = 0
  let nextRotation = started + rotateMs
  while (performance.now() - started < seconds * 1000) {
    const live = accounts.filter((a) => a.device.live)
    if (live.length > 0) {
      const from = pick(live)
      let to = pick(accounts)
      while (to === from && accounts.length > 1) to = pick(accounts)
      const m: Message = { from, to, sentAt: performance.now(), lookupsFailed: 0 }
      messages.push(m)
      sends.push(send(m))
    }
    if (performance.now() >= nextRotation && offline > 0) {
      nextRotation += rotateMs
      rotations++
      const swap = Math.max(1, Math.round(offline / 4))
      const back = devices.filter((d) => !d.live).sort(() => Math.random() - 0.5).slice(0, swap)
      const away = devices.filter((d) => d.live).sort(() => Math.random() - 0.5).slice(0, swap)
      // leave() marks a node offline at once (no new sends from it), then stops it
      track(Promise.all(away.map(goOffline)).then(async () => { await Promise.all(back.map(goOnline)) }))
    }
    await pause(1000 / rate)
  }
  // the churn stops: everybody comes back, sends settle
  await Promise.all([...churning])
  await Promise.all(devices.filter((d) => !d.live).map(goOnline))
  await Promise.all(sends)
  const delivered = messages.filter((m) => m.deliveredAt != null)
  const result: ChurnPhase = {
    churn: level,
    seconds,
    rotations,
    sent: messages.length,
    delivered: delivered.length,
    lost: messages.length - delivered.length,
    ratio: Number((delivered.length / Math.max(1, messages.length)).toFixed(4)),
    direct: delivered.filter((m) => m.via === 'direct').length,
    viaRelay: delivered.filter((m) => m.via === 'relay').length,
    lookupsFailed: messages.reduce((a, m) => a + m.lookupsFailed, 0),
    delayMs: summary(delivered.map((m) => Math.round((m.deliveredAt ?? 0) - m.sentAt)))
  }
  log(`churn ${level * 100} %: ${result.delivered}/${result.sent} delivered (${result.direct} direct), delay p50 ${result.delayMs.p50} ms p90 ${result.delayMs.p90} ms`)
  return result
}
