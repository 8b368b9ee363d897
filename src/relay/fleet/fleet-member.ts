import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import { equalBytes } from '../../bytes.js'
import { fleetDhtKey, isFleetMember, type VerifiedFleetRecord } from '../../identity/fleet-record.js'
import type { FleetDirectory } from '../../net/fleet-directory.js'
import { logWarn } from '../logger.js'
import { FleetNotMemberError, readFleetRecordFile } from './fleet-files.js'

/** Warn when the fleet record expires within this long (the operator must sign a new one). */
export const FLEET_EXPIRY_WARNING_MS = 7 * 24 * 3600 * 1000

export interface FleetMemberInit {
  /** The fleet record file (`fleet.record` of the relay config). */
  path: string
  peerId: PeerId
  log: Logger
  now?: () => number
}

/**
 * A relay's membership of a fleet: the signed record from its config file, checked at start
 * (it must verify and list this relay: {@link FleetNotMemberError} otherwise) and put into the
 * DHT on a timer. The file is read again before each publication, so an operator rotates the
 * record (new members, a later expiry) by replacing the file on every member; a replacement
 * that does not verify, is older, or no longer lists this relay is logged and the last good
 * record is kept (a removed member stops publishing it once it expires).
 *
 * @example
 * ```ts
 * const member = await FleetMembership.load({ path: 'fleet.json', peerId, log })
 * await member.publish(directory, { signal })
 * ```
 */
export class FleetMembership {
  private current: VerifiedFleetRecord

  private constructor (private readonly init: FleetMemberInit, record: VerifiedFleetRecord) {
    this.current = record
  }

  /** Reads and checks the record file; throws its typed error, or `ERR_FLEET_NOT_MEMBER`. */
  static async load (init: FleetMemberInit, options: AbortOptions = {}): Promise<FleetMembership> {
    const record = await readFleetRecordFile(init.path, { ...options, now: (init.now ?? Date.now)() })
    checkMember(record, init.peerId)
    return new FleetMembership(init, record)
  }

  get fleetId (): string { return this.current.fleetId }
  get record (): VerifiedFleetRecord { return this.current }
  /** The DHT key this relay publishes under (exempt from its own record caps). */
  get dhtKey (): Uint8Array { return fleetDhtKey(this.current.body.operatorKey) }
  /** Seconds since the epoch at which the held record expires (a metrics gauge). */
  get expiresAtSeconds (): number { return Math.floor(Number(this.current.body.expiresAt) / 1000) }

  /** Re-reads the file (keeping the last good record on any problem) and puts the record into the DHT. */
  async publish (directory: Pick<FleetDirectory, 'publish'>, options: AbortOptions = {}): Promise<void> {
    await this.reload(options)
    const now = (this.init.now ?? Date.now)()
    const left = Number(this.current.body.expiresAt) - now
    if (left < FLEET_EXPIRY_WARNING_MS) logWarn(this.init.log, 'the fleet record of %s expires in %d hours: sign a new one (parley fleet sign) and replace the file', this.fleetId, Math.max(0, Math.floor(left / 3600_000)))
    await directory.publish(this.current.bytes, options)
  }

  private async reload (options: AbortOptions): Promise<void> {
    let fresh: VerifiedFleetRecord
    try {
      fresh = await readFleetRecordFile(this.init.path, { ...options, now: (this.init.now ?? Date.now)() })
      if (!equalBytes(fresh.body.operatorKey, this.current.body.operatorKey)) throw new FleetNotMemberError('The record file now names another fleet: restart the relay to change fleets')
      checkMember(fresh, this.init.peerId)
    } catch (err) {
      options.signal?.throwIfAborted()
      logWarn(this.init.log, 'the fleet record file %s is not usable, keeping the last good record - %e', this.init.path, err)
      return
    }
    if (fresh.body.sequence > this.current.body.sequence) {
      this.init.log('fleet record of %s replaced: sequence %s, %d members', this.fleetId, fresh.body.sequence, fresh.body.members.length)
      this.current = fresh
    }
  }
}

function checkMember (record: VerifiedFleetRecord, peerId: PeerId): void {
  if (isFleetMember(record.body, peerId.toMultihash().bytes) == null) {
    throw new FleetNotMemberError(`The record of fleet ${record.fleetId} does not list this relay (${peerId.toString()})`)
  }
}
