/**
 * A new device linking in its own process (tests/faults/kill-history.test.ts): joins the account
 * of `--code` asking for all history, printing each progress call as a JSON line
 * ({"event":"history",received,total,done,via}). With `--stall-at N` it holds its only thread
 * once N messages or more are stored (after it acknowledged them), printing
 * {"event":"stalled",received}: the test SIGKILLs it there, half-way through the transfer.
 * Prints {"event":"linked"} and exits 0 when the link and its history finished.
 * Args: --home DIR --code CODE [--relay MA]… [--stall-at N]
 */
import { parseArgs } from 'node:util'
import { openHomeMessenger } from '../../src/node/open-home-messenger.js'

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    code: { type: 'string' },
    relay: { type: 'string', multiple: true, default: [] },
    'stall-at': { type: 'string' }
  }
})
const print = (o: unknown): void => { process.stdout.write(JSON.stringify(o) + '\n') }
const stallAt = values['stall-at'] != null ? Number(values['stall-at']) : undefined

const messenger = await openHomeMessenger({
  home: values.home!,
  passphrase: 'process test passphrase',
  kdf: { N: 1024, r: 8, p: 1 },
  create: true,
  linkCode: values.code!,
  listen: ['/ip4/127.0.0.1/tcp/0'],
  manyPeersPerAddress: true,
  allowPrivateAddresses: true,
  relays: values.relay,
  history: { kind: 'all' },
  onHistoryProgress: (p) => {
    print({ event: 'history', received: p.received, total: p.total, done: p.done, via: p.via, error: p.error?.message })
    if (stallAt != null && !p.done && p.received >= stallAt) {
      print({ event: 'stalled', received: p.received })
      // held here, the event loop included, until the test kills the process
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600_000)
    }
  }
})
print({ event: 'linked', address: messenger.address })
await messenger.stop()
process.exit(0)
