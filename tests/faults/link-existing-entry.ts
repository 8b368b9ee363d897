/**
 * An existing device in its own process (tests/faults/kill-history.test.ts): opens the account in
 * `--home`, prints a device-link code ({"event":"code","code":…}), confirms the link request that
 * follows (what its user does after comparing the digits), and prints each `history-progress`.
 * At the first progress of the direct transfer it holds its only thread
 * ({"event":"stalled",received}): the test SIGKILLs it there, mid-transfer.
 * Args: --home DIR [--relay MA]…
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { FileBlobs } from '../../src/node/blob-files.js'
import { openHomeNode } from '../../src/node/home.js'
import { createMessenger } from '../../src/node/messenger.js'

const { values } = parseArgs({ options: { home: { type: 'string' }, relay: { type: 'string', multiple: true, default: [] } } })
const print = (o: unknown): void => { process.stdout.write(JSON.stringify(o) + '\n') }

const node = await openHomeNode({
  home: values.home!,
  passphrase: 'test passphrase',
  kdf: { N: 1024, r: 8, p: 1 },
  listen: ['/ip4/127.0.0.1/tcp/0'],
  manyPeersPerAddress: true,
  bootstrap: values.relay
})
const messenger = await createMessenger({
  node, store: node.store, relays: values.relay, allowPrivateAddresses: true, outbox: { directTimeoutMs: 1000, pollMs: 200 }, blobs: new FileBlobs(join(values.home!, 'blobs'))
})
messenger.addEventListener('device-link-request', (evt) => {
  print({ event: 'link-request', sas: evt.detail.sas })
  void messenger.confirmDeviceLink(evt.detail.id, true)
})
messenger.addEventListener('history-progress', (evt) => {
  print({ event: 'stalled', received: evt.detail.received, via: evt.detail.via })
  // held here, the event loop included, until the test kills the process
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600_000)
})
await messenger.start()
print({ event: 'code', code: await messenger.createDeviceLink() })
