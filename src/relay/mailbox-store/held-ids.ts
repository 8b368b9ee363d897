import type { Logger } from '@libp2p/interface'
import { HeldIdFilter } from '../held-id-filter.js'
import { end } from './keys.js'
import type { MailboxDb } from './types.js'

/**
 * The held-id filter of a store: which id keys (`i!<mbox>!<id>`) are surely not held, so that a
 * deposit of a new id skips the duplicate lookup. Built by scanning the database at open and
 * rebuilt in the background once saturated (deleted ids leave their bits set); ids committed
 * during a scan go to both the old and the next filter, so none is missed.
 */
export class HeldIds {
  /** `undefined` until loaded (every id is then looked up). */
  private filter: HeldIdFilter | undefined
  /** A filter being rebuilt from the database; new ids go to both until it replaces the old. */
  private nextFilter: HeldIdFilter | undefined
  private rebuilding: Promise<void> | undefined
  /** `filter.added` at which it is rebuilt: past its capacity, and twice what a rebuild found. */
  private rebuildAt = 0
  private rebuildCount = 0

  constructor (
    private readonly db: MailboxDb,
    private readonly bits: number,
    private readonly isOpen: () => boolean,
    private readonly log: Logger
  ) {}

  /** Times the filter was rebuilt since open (tests, diagnostics). */
  get rebuilds (): number {
    return this.rebuildCount
  }

  /** Builds the filter from the database (at open). */
  async load (): Promise<void> {
    const filter = await this.scan()
    if (filter != null) this.set(filter)
  }

  /** The stored value of each id key, read from the database only for keys the filter might hold. */
  async lookUp (idKeys: string[]): Promise<Array<Uint8Array | undefined>> {
    const filter = this.filter
    if (filter == null) return await this.db.getMany(idKeys)
    const maybe: number[] = []
    idKeys.forEach((key, i) => { if (filter.mightHold(key)) maybe.push(i) })
    const held = new Array<Uint8Array | undefined>(idKeys.length).fill(undefined)
    if (maybe.length === 0) return held
    const values = await this.db.getMany(maybe.map((i) => idKeys[i]))
    maybe.forEach((at, j) => { held[at] = values[j] })
    return held
  }

  /** Id keys just committed; starts a rebuild once the filter is saturated. */
  added (keys: Iterable<string>): void {
    for (const key of keys) {
      this.filter?.add(key)
      this.nextFilter?.add(key)
    }
    if (this.filter != null && this.filter.added >= this.rebuildAt) this.rebuild()
  }

  /** Waits for a rebuild under way (the store closes after it). */
  async settled (): Promise<void> {
    await this.rebuilding
  }

  private set (filter: HeldIdFilter): void {
    this.filter = filter
    this.rebuildAt = Math.max(filter.capacity, filter.added * 2)
  }

  /**
   * A filter holding every id key in the database, and every id committed while the scan runs
   * (`added` puts those in `nextFilter`; the scan's snapshot holds all committed before).
   * `undefined` when the store was closed meanwhile.
   */
  private async scan (): Promise<HeldIdFilter | undefined> {
    const duringScan = new HeldIdFilter(this.bits)
    this.nextFilter = duringScan
    try {
      const scanned = new HeldIdFilter(this.bits)
      for await (const key of this.db.keys({ gte: 'i!', lt: end('i!') })) {
        if (!this.isOpen()) return undefined
        scanned.add(key)
      }
      return HeldIdFilter.union(scanned, duringScan)
    } finally {
      this.nextFilter = undefined
    }
  }

  /** Replaces a saturated filter with one rebuilt from the database, in the background. */
  private rebuild (): void {
    if (this.rebuilding != null) return
    this.rebuilding = (async () => {
      try {
        const filter = await this.scan()
        if (filter == null) return
        this.set(filter)
        this.rebuildCount++
      } catch (err) {
        // keep the old filter (still correct, only less selective) and try again much later
        const filter = this.filter
        if (filter != null) this.rebuildAt = filter.added + filter.capacity
        this.log.error('held-id filter rebuild failed; the old filter stays in use - %e', err)
      } finally {
        this.rebuilding = undefined
      }
    })()
  }
}
