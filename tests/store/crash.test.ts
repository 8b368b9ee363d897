import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { newConversationId, openStore } from '../../src/store/index.js'
import { TEST_KDF } from './store-suite-constants.js'

const root = new URL('../../', import.meta.url).pathname

describe('crash safety (LevelDB)', () => {
  let dir: string
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('keeps every acknowledged write after SIGKILL mid-stream', async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-crash-'))
    const location = join(dir, 'db')
    const conv = newConversationId()
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tests/store/crash-writer.ts'), location, conv], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    const acked: string[] = []
    let buf = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => { resolve(signal) }))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`child produced too few acks: ${acked.length}; stderr: ${stderr}`)) }, 30_000)
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString()
        const lines = buf.split('\n')
        buf = lines.pop() ?? ''
        acked.push(...lines)
        if (acked.length >= 300) {
          child.kill('SIGKILL') // mid-stream: the child is writing as fast as it can
          clearTimeout(timer)
          resolve()
        }
      })
      child.on('exit', () => { clearTimeout(timer); resolve() })
    })
    expect(await exited).toBe('SIGKILL')
    // ids printed after the kill was sent may still arrive; they were acknowledged too
    acked.push(...buf.split('\n').filter((l) => l.length > 0))

    const store = await openStore({ location, passphrase: 'crash-passphrase', kdf: TEST_KDF })
    try {
      for (const id of acked) expect((await store.messages.get(id))?.id, id).toBe(id)
      const last = acked.length
      const state = await store.sessions.get('me', 'peer')
      const committed = state === undefined ? 0 : state[0] | (state[1] << 8)
      expect(committed & 0xffff).toBeGreaterThanOrEqual(last & 0xffff)
      // transaction atomicity survives the crash: exactly one pending outbox entry, for the last committed message
      const due = await store.outbox.due(Number.MAX_SAFE_INTEGER - 1)
      expect(due.items).toHaveLength(1)
      expect(due.items[0].messageId).toBe((await store.messages.latest(conv, { limit: 1 })).items[0].id)
    } finally {
      await store.close()
    }
  })
})
