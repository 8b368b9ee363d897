/**
 * Child process of crash.test.ts: writes a stream of messages, each in a transaction with a
 * session update and an outbox ack, and prints every id once its write is acknowledged. The
 * parent kills it with SIGKILL mid-stream.
 */
import { openStore } from '../../src/store/open-level.js'
import { TEST_KDF } from './store-suite-constants.js'

const [location, conversationId] = process.argv.slice(2)
const store = await openStore({ location, passphrase: 'crash-passphrase', kdf: TEST_KDF })
const content = new TextEncoder().encode('x'.repeat(200))
for (let i = 1; ; i++) {
  const id = `crash-${i}`
  await store.transaction(async (tx) => {
    await tx.messages.put({ id, conversationId, clock: i, senderTimestamp: i, direction: 'in', sender: 'peer', content, status: 'received', expiresAt: null })
    await tx.sessions.put('me', 'peer', new Uint8Array([i & 0xff, (i >> 8) & 0xff]))
    await tx.outbox.put({ id: `out-${i}`, envelope: content, targets: ['peer'], attempts: 0, nextAttemptAt: i, createdAt: i, messageId: id, lastError: null })
    if (i > 1) await tx.outbox.delete(`out-${i - 1}`)
  })
  process.stdout.write(`${id}\n`)
}
