import type { AbortOptions, Logger } from '@libp2p/interface'
import type { RecordFloor } from '../net/account-directory.js'
import type { SettingsRepo } from '../store/settings-repo.js'

/** Settings key prefix of the highest record seen per account. */
export const RECORD_FLOOR_SETTING = 'record-floor:'

/**
 * The highest account record this device has seen for each account, kept in its encrypted
 * store so that a restart does not forget it: a lookup never returns (and the messenger never
 * stores) an older record than this, whatever the DHT serves (rollback protection).
 *
 * @example
 * ```ts
 * const directory = new AccountDirectory(libp2p, { floor: new AccountRecordFloor(store.settings, log) })
 * ```
 */
export class AccountRecordFloor implements RecordFloor {
  constructor (private readonly settings: Pick<SettingsRepo, 'get' | 'put'>, private readonly log: Logger) {}

  async load (address: string, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    const value = await this.settings.get(RECORD_FLOOR_SETTING + address, options)
    if (value === undefined) return undefined
    if (value instanceof Uint8Array) return value
    this.log.error('record floor of %s is not bytes: ignored', address)
    return undefined
  }

  async save (address: string, record: Uint8Array, options: AbortOptions = {}): Promise<void> {
    await this.settings.put(RECORD_FLOOR_SETTING + address, record, options)
  }
}
