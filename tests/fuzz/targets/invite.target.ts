import * as fc from 'fast-check'
import { decodeAddress, encodeAddress } from '../../../src/identity/address.js'
import { parseInvite } from '../../../src/messenger/contacts/invite.js'
import { bytes } from '../arbitraries.js'
import { hostileText } from '../mutate.js'
import { invalidResult, pureTarget, typedOrResult } from '../target.js'

const relays = ['/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', '/unix/%2Fx/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN']
const validInvite = fc.tuple(bytes(32).map(encodeAddress), fc.option(fc.constantFrom(...relays))).map(([address, relay]) =>
  relay == null ? `parley:${address}` : `parley:${address}?relay=${encodeURIComponent(relay)}`)

/** Invite links and addresses as pasted or scanned (`parley:<address>?relay=<multiaddr>`). */
export default pureTarget({
  name: 'invite',
  covers: 'parseInvite (src/messenger/contacts/invite.ts), checkInviteRelay, decodeAddress (src/identity/address.ts)',
  input: hostileText(validInvite),
  runs: 2000,
  run: (text: string) => {
    const invite = typedOrResult(() => parseInvite(text))
    if (invite?.relay != null && !invite.relay.includes('/p2p/')) throw invalidResult(`relay without /p2p/: ${invite.relay}`)
    if (invite != null) {
      const key = typedOrResult(() => decodeAddress(invite.address))
      if (key != null && key.length !== 32) throw invalidResult('address key length')
    }
  }
})
