/**
 * Soak (issue #24, item 2, first part): messenger processes and a relay process on 127.0.0.1
 * exchanging messages in a ring for N minutes while peers are SIGKILLed or stopped and restarted
 * at random. Afterwards every acknowledged message is in its recipient's store exactly once,
 * none was shown (decrypted) twice across the recipient's lives, nothing arrived that was never
 * sent; and each process's resident memory and open file descriptors stayed bounded (the last
 * sample at most twice the first one after warm-up, plus 64 MiB / 64 descriptors).
 *
 *   npm run soak                      3 minutes, 4 peers
 *   npm run soak -- --minutes 60 --peers 6
 *   PARLEY_SOAK_MINUTES=600 npm run soak
 *
 * Prints a JSON report (figures in docs/RELIABILITY.md); exits 1 when an invariant breaks.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { tempDir } from '../helpers/network.js'
import { spawnPeer, attachPeer, startRelayProcess, stopPeer, waitUntil, type Peer, type RelayProcess } from '../helpers/peers.js'
import { killGroup, type ScriptProcess } from '../helpers/processes.js'

const { values } = parseArgs({ options: { minutes: { type: 'string' }, peers: { type: 'string' }, seed: { type: 'string' } } })
const MINUTES = Number(values.minutes ?? process.env.PARLEY_SOAK_MINUTES ?? 3)
const PEERS = Number(values.peers ?? 4)
const SEND_EVERY_MS = 2_000
const CHURN_EVERY_MS = 20_000
const SAMPLE_EVERY_MS = 10_000
let seed = Number(values.seed ?? Date.now() % 100_000)
const random = (): number => { seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; return seed / 2 ** 31 }

interface Slot { name: string, home: string, peer?: Peer, lives: ScriptProcess[], address: string, sent: string[], acked: string[], next: number }
interface Sample { t: number, role: string, rssMiB: number, fds: number }

/** Resident memory (MiB) and open descriptors of a process group (tsx runs the script in a grandchild). */
function groupUsage (pgid: number): { rssMiB: number, fds: number } {
  let rss = 0
  let fds = 0
  let pids: string[] = []
  try { pids = execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean) } catch { return { rssMiB: 0, fds: 0 } }
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      rss += Number(m?.[1] ?? 0)
      fds += readdirSync(`/proc/${pid}/fd`).length
    } catch {}
  }
  return { rssMiB: rss / 1024, fds }
}

function duMiB (dir: string): number {
  return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) / 1024
}

const dir = await tempDir('parley-soak-')
const started = Date.now()
let relay: RelayProcess | undefined
const slots: Slot[] = []
const samples: Sample[] = []
const failures: string[] = []
const counters = { sends: 0, acked: 0, refused: 0, kills: 0, stops: 0 }

async function startSlot (slot: Slot): Promise<void> {
  const proc = spawnPeer(slot.home, ['--relay', relay!.addr])
  slot.lives.push(proc)
  slot.peer = await attachPeer(proc)
  slot.address = slot.peer.address
  await slot.peer.request({ cmd: 'publish' })
}

try {
  relay = await startRelayProcess(join(dir.path, 'relay'))
  for (let i = 0; i < PEERS; i++) slots.push({ name: `p${i}`, home: join(dir.path, `p${i}`), lives: [], address: '', sent: [], acked: [], next: 0 })
  await Promise.all(slots.map(startSlot))
  const deadline = started + MINUTES * 60_000
  let nextChurn = Date.now() + CHURN_EVERY_MS
  let nextSample = Date.now()
  const inFlight = new Set<Promise<unknown>>()
  while (Date.now() < deadline) {
    // each running peer sends one message to the next one in the ring
    for (const [i, slot] of slots.entries()) {
      const peer = slot.peer
      if (peer == null) continue
      const to = slots[(i + 1) % slots.length]
      const text = `SOAK-${slot.name}-${String(slot.next++).padStart(6, '0')}`
      slot.sent.push(text)
      counters.sends++
      const p = peer.request({ cmd: 'send', to: to.address, text })
        .then(() => { slot.acked.push(text); counters.acked++ }, () => { counters.refused++ })
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    if (Date.now() >= nextChurn) {
      nextChurn = Date.now() + CHURN_EVERY_MS
      const slot = slots[Math.floor(random() * slots.length)]
      const peer = slot.peer
      if (peer != null) {
        slot.peer = undefined
        if (random() < 0.5) { counters.kills++; await killGroup(peer.proc.child) } else { counters.stops++; await stopPeer(peer) }
        setTimeout(() => { startSlot(slot).catch((err: unknown) => { failures.push(`restart of ${slot.name} failed: ${String(err)}`) }) }, 3_000)
      }
    }
    if (Date.now() >= nextSample) {
      nextSample = Date.now() + SAMPLE_EVERY_MS
      const t = Math.round((Date.now() - started) / 1000)
      samples.push({ t, role: 'relay', ...groupUsage(relay.proc.child.pid!) })
      for (const slot of slots) if (slot.peer != null) samples.push({ t, role: slot.name, ...groupUsage(slot.peer.proc.child.pid!) })
    }
    await new Promise((resolve) => setTimeout(resolve, SEND_EVERY_MS))
  }
  await Promise.allSettled([...inFlight])
  // every peer online again, then every acknowledged message must reach its recipient
  await waitUntil(async () => slots.every((s) => s.peer != null), 120_000, 'every peer restarted')
  const drainStart = Date.now()
  for (const [i, slot] of slots.entries()) {
    const to = slots[(i + 1) % slots.length]
    await waitUntil(async () => {
      const texts = (await to.peer!.request({ cmd: 'texts', with: slot.address })).texts as string[]
      return slot.acked.every((t) => texts.includes(t))
    }, 300_000, `${to.name} holds every message ${slot.name} had acknowledged`).catch((err: unknown) => { failures.push(String(err)) })
  }
  const drainSeconds = (Date.now() - drainStart) / 1000
  for (const [i, slot] of slots.entries()) {
    const to = slots[(i + 1) % slots.length]
    const stored = (await to.peer!.request({ cmd: 'texts', with: slot.address })).texts as string[]
    const shown = to.lives.flatMap((p) => p.lines.filter((l) => l.startsWith('{"event":"message"')).map((l) => (JSON.parse(l) as { text: string }).text)).filter((t) => t.startsWith(`SOAK-${slot.name}-`))
    const count = (list: string[]): Map<string, number> => { const m = new Map<string, number>(); for (const t of list) m.set(t, (m.get(t) ?? 0) + 1); return m }
    const storedCounts = count(stored)
    const twice = [...storedCounts].filter(([, n]) => n > 1).map(([t]) => t)
    const shownTwice = [...count(shown)].filter(([, n]) => n > 1).map(([t]) => t)
    const lost = slot.acked.filter((t) => storedCounts.get(t) !== 1)
    const never = stored.filter((t) => !slot.sent.includes(t))
    if (twice.length > 0) failures.push(`${to.name} stores ${twice.length} of ${slot.name}'s messages twice: ${twice.slice(0, 3).join(', ')}`)
    if (shownTwice.length > 0) failures.push(`${to.name} showed ${shownTwice.length} of ${slot.name}'s messages twice: ${shownTwice.slice(0, 3).join(', ')}`)
    if (lost.length > 0) failures.push(`${lost.length} acknowledged messages of ${slot.name} missing at ${to.name}: ${lost.slice(0, 3).join(', ')}`)
    if (never.length > 0) failures.push(`${to.name} stores messages ${slot.name} never sent: ${never.slice(0, 3).join(', ')}`)
  }
  // bounded resources: per role, the last sample against the first one after a minute's warm-up
  const roles = [...new Set(samples.map((s) => s.role))]
  const bounds: Record<string, { first: Sample, last: Sample, maxRssMiB: number, maxFds: number }> = {}
  for (const role of roles) {
    const own = samples.filter((s) => s.role === role)
    const first = own.find((s) => s.t >= 60) ?? own[0]
    const last = own[own.length - 1]
    bounds[role] = { first, last, maxRssMiB: Math.max(...own.map((s) => s.rssMiB)), maxFds: Math.max(...own.map((s) => s.fds)) }
    if (role === 'relay' && last.rssMiB > 2 * first.rssMiB + 64) failures.push(`relay memory grew from ${first.rssMiB.toFixed(0)} to ${last.rssMiB.toFixed(0)} MiB`)
    if (last.fds > 2 * first.fds + 64) failures.push(`${role} descriptors grew from ${first.fds} to ${last.fds}`)
  }
  const report = {
    minutes: MINUTES,
    peers: PEERS,
    seed: values.seed ?? 'time',
    ...counters,
    delivered: slots.reduce((n, s) => n + s.acked.length, 0),
    drainSeconds,
    relayDiskMiB: duMiB(relay.dir),
    resources: Object.fromEntries(Object.entries(bounds).map(([role, b]) => [role, { rssMiB: [Math.round(b.first.rssMiB), Math.round(b.last.rssMiB), Math.round(b.maxRssMiB)], fds: [b.first.fds, b.last.fds, b.maxFds] }])),
    failures
  }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  process.exitCode = failures.length > 0 ? 1 : 0
} finally {
  for (const slot of slots) await stopPeer(slot.peer)
  if (relay != null) await killGroup(relay.proc.child)
  await dir.cleanup()
}
