import * as fc from 'fast-check'
import { accountDhtKey } from '../../../src/identity/account-record.js'
import { accountRecordSelector, accountRecordValidator } from '../../../src/net/account-directory.js'
import { accountRecordBytes, OWNERS } from '../arbitraries.js'
import { hostileBytes } from '../mutate.js'
import { invalidResult, pureTarget, typedOrResult } from '../target.js'

const keys = fc.constantFrom(...OWNERS.map((o) => accountDhtKey(o.account.publicKey)))

/**
 * The kad-dht validator and selector of the `parley` namespace, as a remote PUT reaches them:
 * hostile keys and values. A value accepted must be the record stored under its own key.
 */
export default pureTarget({
  name: 'dht-record',
  covers: 'accountRecordValidator, accountRecordSelector (src/net/account-directory.ts)',
  input: fc.tuple(hostileBytes(keys, 80), hostileBytes(accountRecordBytes)),
  runs: 800,
  run: ([key, value]: [Uint8Array, Uint8Array]) => {
    const accepted = typedOrResult(() => { accountRecordValidator(key, value); return true })
    if (accepted === true) {
      const owner = OWNERS.find((o) => Buffer.from(accountDhtKey(o.account.publicKey)).equals(key))
      if (owner == null) throw invalidResult('a record was accepted under a key that is no account of ours')
    }
    const index = accountRecordSelector(key, [value, value])
    if (index !== 0 && index !== 1) throw invalidResult(`selector index ${index}`)
  }
})
