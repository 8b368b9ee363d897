/**
 * Store throughput: 200k messages in 1,000 conversations through the encrypted store
 * (XChaCha20-Poly1305 values, HMAC-tagged ids, id index, one batch per transaction) next to
 * raw classic-level doing the same logical work without encryption (plaintext keys, same value
 * codec, same id-index check and write) in the same run.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { record } from '../results.js'
import { openStore } from '../../src/store/open-level.js'
import { newConversationId } from '../../src/store/conversation-repo.js'
import { encodeValue, decodeValue } from '../../src/store/value-codec.js'
import { concatBytes, u64, utf8 } from '../../src/bytes.js'
import type { Message } from '../../src/store/types.js'

const CONVERSATIONS = 1000
const MESSAGES = 200_000
const BATCH = 1000
const SINGLES = 5000
const READS = 3000

function dirSize (dir: string): number {
  let total = 0
  for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size
  return total
}

function makeMessages (convs: string[]): Message[] {
  const text = utf8('Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.')
  const out: Message[] = []
  for (let i = 0; i < MESSAGES; i++) {
    const c = convs[i % CONVERSATIONS]
    const clock = Math.floor(i / CONVERSATIONS) + 1
    out.push({ id: `m-${i}-${Math.random().toString(36).slice(2, 10)}`, conversationId: c, clock, senderTimestamp: 1_700_000_000_000 + i, direction: 'in', sender: 'acc-peer', content: text, status: 'received', expiresAt: null })
  }
  return out
}

/** The reference: the same records, keys in the clear, no encryption. */
class RawLevel {
  db: Level<Uint8Array, Uint8Array>
  constructor (dir: string) { this.db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view', compression: false }) }
  static msgKey (m: Message): Uint8Array { return concatBytes(utf8('/ms/'), utf8(m.conversationId), u64(m.clock), u64(m.senderTimestamp), utf8(m.id)) }
  static idxKey (m: Message): Uint8Array { return concatBytes(utf8('/mi/'), utf8(m.id)) }
  ops (m: Message): Array<{ type: 'put', key: Uint8Array, value: Uint8Array }> {
    return [
      { type: 'put', key: RawLevel.msgKey(m), value: encodeValue({ ...m } as never) },
      { type: 'put', key: RawLevel.idxKey(m), value: encodeValue({ c: m.conversationId, k: m.clock, t: m.senderTimestamp, x: null }) }
    ]
  }

  async putOne (m: Message): Promise<void> {
    await this.db.get(RawLevel.idxKey(m))
    await this.db.batch(this.ops(m))
  }

  async putMany (ms: Message[]): Promise<void> {
    await this.db.getMany(ms.map(RawLevel.idxKey))
    await this.db.batch(ms.flatMap((m) => this.ops(m)))
  }

  async latest (conv: string, limit: number): Promise<unknown[]> {
    const prefix = concatBytes(utf8('/ms/'), utf8(conv))
    const rows = await this.db.iterator({ gte: prefix, lt: concatBytes(prefix, new Uint8Array([0xff])), reverse: true, limit }).all()
    return rows.map(([, v]) => decodeValue(v))
  }
}

async function timeIt (fn: () => Promise<void>): Promise<number> {
  const t = performance.now()
  await fn()
  return (performance.now() - t) / 1000
}

export async function run (): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'parley-bench-store-'))
  try {
    const convs = Array.from({ length: CONVERSATIONS }, () => newConversationId())
    const messages = makeMessages(convs)
    const singles = makeMessages(convs).slice(0, SINGLES).map((m) => ({ ...m, clock: m.clock + 10_000 }))
    const readConvs = Array.from({ length: READS }, (_, i) => convs[(i * 7919) % CONVERSATIONS])

    // raw classic-level reference
    const rawDir = join(root, 'raw')
    const raw = new RawLevel(rawDir)
    await raw.db.open()
    const rawBatched = await timeIt(async () => { for (let i = 0; i < MESSAGES; i += BATCH) await raw.putMany(messages.slice(i, i + BATCH)) })
    const rawSingle = await timeIt(async () => { for (const m of singles) await raw.putOne(m) })
    const rawReads = await timeIt(async () => { for (const c of readConvs) await raw.latest(c, 50) })
    await raw.db.close()
    const rawSize = dirSize(rawDir)

    // the encrypted store
    const dir = join(root, 'store')
    const store = await openStore({ location: dir, passphrase: 'bench', kdf: { N: 2 ** 10, r: 8, p: 1 } })
    const batched = await timeIt(async () => {
      for (let i = 0; i < MESSAGES; i += BATCH) {
        const chunk = messages.slice(i, i + BATCH)
        await store.transaction(async (tx) => { await tx.messages.putMany(chunk) })
      }
    })
    const single = await timeIt(async () => { for (const m of singles) await store.messages.put(m) })
    let got = 0
    const reads = await timeIt(async () => { for (const c of readConvs) got += (await store.messages.latest(c, { limit: 50 })).items.length })
    if (got !== READS * 50) throw new Error(`latest returned ${got} rows, expected ${READS * 50}`)
    await store.close()
    const size = dirSize(dir)

    const suite = 'store'
    record({ suite, name: 'insert batched (1000/tx), 200k msgs', value: MESSAGES / batched, unit: 'msg/s', reference: MESSAGES / rawBatched })
    record({ suite, name: 'insert single', value: SINGLES / single, unit: 'msg/s', reference: SINGLES / rawSingle })
    record({ suite, name: 'latest-50 read', value: READS / reads, unit: 'reads/s', reference: READS / rawReads })
    record({ suite, name: 'on-disk size, 205k msgs', value: size / 2 ** 20, unit: 'MiB', reference: rawSize / 2 ** 20 })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
