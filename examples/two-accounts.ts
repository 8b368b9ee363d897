/**
 * Two accounts and a relay in one process, on 127.0.0.1: Alice writes to Bob, Bob answers,
 * then Bob goes offline, Alice writes again (the relay holds it) and Bob gets it when he is
 * back. Run it: `npx tsx examples/two-accounts.ts` (about 5 seconds).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openHomeMessenger, type Messenger } from '../src/index.js'
import { startRelay } from '../src/relay/index.js'

const dir = await mkdtemp(join(tmpdir(), 'parley-example-'))
const relay = await startRelay({ dataDir: join(dir, 'relay'), listen: ['/ip4/127.0.0.1/tcp/0'], metrics: { enabled: false }, log: { level: 'warn' } })
const relays = [relay.multiaddrs[0].toString()]

/** Opens an account (not started): listeners added before start() also see mail drained at start. */
async function open (name: string): Promise<Messenger> {
  const messenger = await openHomeMessenger({
    home: join(dir, name),
    passphrase: `${name}'s example passphrase`,
    create: true,
    kdf: { N: 2 ** 12, r: 8, p: 1 }, // cheap for the example; real accounts keep the default
    listen: ['/ip4/127.0.0.1/tcp/0'],
    relays,
    allowPrivateAddresses: true
  })
  messenger.addEventListener('message', (evt) => {
    const m = evt.detail.message
    if (m.direction === 'in') console.log(`${name} got: ${m.text}`)
  })
  return messenger
}

async function account (name: string): Promise<Messenger> {
  const messenger = await open(name)
  await messenger.start()
  return messenger
}

const alice = await account('alice')
let bob = await account('bob')
console.log(`alice is ${alice.address}\nbob is   ${bob.address}`)

const chat = await alice.conversationWith(bob.address)
const reply = bob.next('message')
await alice.sendText(chat.id, 'Hello Bob!')
const { message } = await reply
await bob.sendText(message.conversationId, 'Hi Alice, loud and clear.')
await alice.next('message')

await bob.stop()
const stored = alice.next('delivery', { filter: (d) => d.state === 'stored' })
await alice.sendText(chat.id, 'This one waits at the relay while you are away.')
await stored
console.log('bob is offline: the relay holds the message')
bob = await open('bob')
const back = bob.next('message', { filter: (d) => d.message.direction === 'in' })
await bob.start()
await back

await alice.stop()
await bob.stop()
await relay.stop()
await rm(dir, { recursive: true, force: true })
console.log('done')
