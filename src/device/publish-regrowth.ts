import { REGROWTH_BELOW_SERVERS, REGROWTH_CHECK_MS, REGROWTH_MIN_NEW_SERVERS } from './constants.js'

export interface RegrowthWatchInit {
  /** How many DHT servers the routing table holds now. */
  servers: () => number
  /** Called once when the table has grown enough since {@link RegrowthWatch.published}. */
  grown: () => void
  /** @default 30000 */
  checkMs?: number
}

/**
 * Says when a record published in a small network should be published again before the hourly
 * republish: a DHT put reaches the k (20) closest servers it can find, so a record put while
 * the routing table held 3 servers sits on those 3, and once dozens more have joined, lookups
 * walk to the 20 closest to its key and find nothing (seen with 35 in-process group members
 * looking up the group's creator, the first node started: `ERR_ACCOUNT_NOT_FOUND`). After a
 * publish seen by fewer than 20 servers, the table's size is looked at every 30 s; at twice
 * the size and at least 8 more servers, `grown` is called (once per publish).
 */
export class RegrowthWatch {
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly checkMs: number

  constructor (private readonly init: RegrowthWatchInit) {
    this.checkMs = init.checkMs ?? REGROWTH_CHECK_MS
  }

  /** A publish landed: watch the table if it was small then (replaces an earlier watch). */
  published (): void {
    this.stop()
    const before = this.init.servers()
    if (before >= REGROWTH_BELOW_SERVERS) return
    const enough = Math.max(2 * before, before + REGROWTH_MIN_NEW_SERVERS)
    const check = (): void => {
      this.timer = undefined
      if (this.init.servers() >= enough) { this.init.grown(); return }
      this.arm(check)
    }
    this.arm(check)
  }

  stop (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm (check: () => void): void {
    this.timer = setTimeout(check, this.checkMs)
    ;(this.timer as { unref?: () => void }).unref?.()
  }
}
