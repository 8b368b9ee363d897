import { decodeMailboxRequest, decodeMailboxResponse, verifyMailboxAuth } from '../../../src/net/mailbox-codec.js'
import { mailboxRequestBytes } from '../arbitraries.js'
import { hostileBytes } from '../mutate.js'
import { invalidResult, pureTarget, typedOrResult } from '../target.js'

/** The mailbox RPC codec, both directions, and the auth check on whatever decodes. */
export default pureTarget({
  name: 'mailbox-codec',
  covers: 'decodeMailboxRequest, decodeMailboxResponse, verifyMailboxAuth (src/net/mailbox-codec.ts)',
  input: hostileBytes(mailboxRequestBytes),
  runs: 2000,
  run: (bytes: Uint8Array) => {
    const request = typedOrResult(() => decodeMailboxRequest(bytes))
    if (request?.authenticate != null && verifyMailboxAuth(request.authenticate, new Uint8Array(38))) throw invalidResult('a forged authentication verified')
    if ((request?.ack?.ids.length ?? 0) > 256) throw invalidResult('ack ids over the 256 limit')
    typedOrResult(() => decodeMailboxResponse(bytes))
  }
})
