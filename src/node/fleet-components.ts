import type { Libp2p, Logger } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { ParleyError } from '../errors.js'
import type { Depositor, Mailboxes } from '../messenger/components.js'
import { Envelope } from '../net/envelope-codec.js'
import { FleetDirectory } from '../net/fleet-directory.js'
import { FleetRelays, isFleetRef } from '../net/fleet-relays.js'
import type { DepositReceipt, RelayOutcome } from '../net/mailbox-client.js'
import type { Store } from '../store/index.js'
import { AccountRecordFloor } from './account-record-floor.js'

export interface FleetComponentsInit {
  libp2p: Pick<Libp2p, 'contentRouting' | 'getConnections'>
  store: Store
  log: Logger
  /** This device's key: the owner's mailbox, which orders a fleet's members for it. */
  deviceKey: Uint8Array
}

/**
 * Wraps the messenger's `mailboxes` and `depositor` so that a relay may also be a fleet
 * (`fleet:<id>`, from the configuration or a contact's account record): each call is made at
 * one live member, chosen and failed over by {@link FleetRelays}; plain relay multiaddrs pass
 * through unchanged. Fleet records come from the DHT, never below the highest one this device
 * has seen (kept in its store beside the account-record floor).
 */
export function withFleets (mailboxes: Mailboxes, depositor: Depositor, init: FleetComponentsInit): { mailboxes: Mailboxes, depositor: Depositor, fleets: FleetRelays } {
  const { libp2p, log, deviceKey } = init
  const directory = new FleetDirectory(libp2p, { floor: new AccountRecordFloor(init.store.settings, log), log })
  const fleets = new FleetRelays({
    directory,
    log,
    isConnected: (peerId) => {
      try { return libp2p.getConnections(peerIdFromString(peerId)).length > 0 } catch { return false }
    }
  })
  const owned: Mailboxes = {
    subscribe: async (relay, onEnvelope, options) => fleets.withMember(relay, deviceKey, async (m) => mailboxes.subscribe(m, onEnvelope, options), options),
    drain: async (relay, handle, options) => fleets.withMember(relay, deviceKey, async (m) => mailboxes.drain(m, handle, options), options),
    drainPages: async (relay, handlePage, options) => fleets.withMember(relay, deviceKey, async (m) => mailboxes.drainPages(m, handlePage, options), options),
    ack: async (relay, ids, options) => { await fleets.withMember(relay, deviceKey, async (m) => mailboxes.ack(m, ids, options), options) },
    uploadPrekeys: async (relay, oneTime, options) => { await fleets.withMember(relay, deviceKey, async (m) => mailboxes.uploadPrekeys(m, oneTime, options), options) },
    purge: async (relays, tombstone, options) => { await mailboxes.purge(await fleets.expand(relays, deviceKey, options), tombstone, options) },
    stop: async () => { await mailboxes.stop() }
  }
  const anonymous: Depositor = {
    depositToAll: async (relays, bytes, options) => {
      const plain = relays.filter((r) => !isFleetRef(r))
      const recipient = Envelope.decode(bytes).recipientDevice
      const fleetOutcomes = relays.filter(isFleetRef).map(async (fleet): Promise<RelayOutcome<DepositReceipt>> => {
        try {
          const value = await fleets.withMember(fleet, recipient, async (member) => {
            const [outcome] = await depositor.depositToAll([member], bytes, options)
            if (outcome == null) throw new ParleyError('The depositor returned no outcome', 'ERR_INTERNAL')
            if (!outcome.ok) throw outcome.error
            return outcome.value
          }, options)
          return { relay: fleet, ok: true, value }
        } catch (err) {
          return { relay: fleet, ok: false, error: err instanceof ParleyError ? err : new ParleyError((err as Error).message, 'ERR_FLEET_UNAVAILABLE') }
        }
      })
      const [direct, ...viaFleets] = await Promise.all([plain.length > 0 ? depositor.depositToAll(plain, bytes, options) : [], ...fleetOutcomes])
      return [...direct, ...viaFleets]
    },
    takePrekey: async (relays, deviceKey, options) => depositor.takePrekey(await fleets.expand(relays, deviceKey, options), deviceKey, options),
    stop: async () => { await depositor.stop() }
  }
  return { mailboxes: owned, depositor: anonymous, fleets }
}
