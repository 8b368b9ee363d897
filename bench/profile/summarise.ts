/**
 * Summarises a .cpuprofile (Chrome/V8 format) by category of the sampled function's source:
 * self time per category (native code and Node's own JavaScript are charged to their caller), plus the top self-time functions, and "inclusive" time of a few
 * project entry points (time with that function anywhere on the stack).
 *
 *   npx tsx bench/profile/summarise.ts /tmp/drain.cpuprofile
 */
import { readFile } from 'node:fs/promises'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: Node[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

const profile = JSON.parse(await readFile(process.argv[2], 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const rules: Array<[string, RegExp]> = [
  ['idle', /^\(idle\)$/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['crypto: @noble (ratchet, sealed sender, ML-KEM, signatures)', /@noble\//],
  ['store: LevelDB (classic-level, abstract-level)', /(classic-level|abstract-level|level-transcoder|module-error|maybe-combine)/],
  ['store: Parley store code (seal, indexes, codecs)', /\/src\/store\//],
  ['protobuf (protons-runtime, uint8arraylist, varint)', /(protons-runtime|uint8arraylist|uint8-varint|\/src\/wire\/)/],
  ['libp2p (streams, yamux, noise, tcp, kad-dht)', /(@libp2p|@chainsafe|libp2p\/|it-|multiformats|@multiformats|p-queue|progress-events|race-signal|abort-error|main-event)/],
  ['Parley crypto wrappers (src/crypto)', /\/src\/crypto\//],
  ['Parley messenger (receive, route, conversations)', /\/src\/messenger\//],
  ['Parley net/node/relay code', /\/src\/(net|node|relay|identity)\//],
]

function category (n: Node): string {
  const { functionName, url } = n.callFrame
  if (functionName === '(idle)' || functionName === '(garbage collector)' || functionName === '(program)') {
    return functionName === '(program)' ? 'program (V8/native, unattributed)' : rules.find(([, re]) => re.test(functionName))![0]
  }
  if (url === '') {
    // native code (V8 builtins, bindings such as LevelDB's or OpenSSL's): charged to its JavaScript caller
    const up = parent.get(n.id)
    return up == null ? 'native (no caller)' : category(byId.get(up)!)
  }
  // Node's own JavaScript (node:crypto, streams, timers): charged to the nearest caller outside it
  if (/^node:|^internal\//.test(url)) {
    for (let id = parent.get(n.id); id != null; id = parent.get(id)) {
      const f = byId.get(id)!
      if (f.callFrame.url !== '' && !/^node:|^internal\//.test(f.callFrame.url)) return category(f)
    }
    return 'node internals (no caller)'
  }
  for (const [name, re] of rules) if (re.test(url)) return name
  return 'other: ' + url.replace(/^.*node_modules\//, '').split('/').slice(0, 2).join('/')
}

const self = new Map<string, number>()
const fnSelf = new Map<string, number>()
const inclusive = new Map<string, number>()
const entryPoints = process.env.PARLEY_PROFILE_ENTRIES?.split(',') ?? ['receive', 'receiveOne', 'open', 'peekSender', 'commit', 'applyContent', 'transaction', 'countIncoming', 'messages', 'drain', 'start', 'resolve']
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000
  total += dt
  const n = byId.get(profile.samples[i])!
  const cat = category(n)
  self.set(cat, (self.get(cat) ?? 0) + dt)
  const fn = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/perf9\//, '')}:${n.callFrame.lineNumber + 1}`
  fnSelf.set(fn, (fnSelf.get(fn) ?? 0) + dt)
  const seen = new Set<string>()
  for (let id: number | undefined = n.id; id != null; id = parent.get(id)) {
    const f = byId.get(id)!.callFrame
    const name = f.functionName
    if (entryPoints.includes(name) && /\/src\/|bench\//.test(f.url)) {
      const key = `${name} (${f.url.replace(/^.*\/perf9\//, '')})`
      if (!seen.has(key)) { seen.add(key); inclusive.set(key, (inclusive.get(key) ?? 0) + dt) }
    }
  }
}
const pct = (v: number): string => `${v.toFixed(0).padStart(6)} ms ${(100 * v / total).toFixed(1).padStart(5)} %`
console.log(`total ${total.toFixed(0)} ms sampled`)
console.log('\nself time by category')
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1])) console.log(`${pct(v)}  ${k}`)
console.log('\ntop functions (self)')
for (const [k, v] of [...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PARLEY_PROFILE_TOP ?? 30))) console.log(`${pct(v)}  ${k}`)
console.log('\ninclusive (on the stack)')
for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${pct(v)}  ${k}`)
