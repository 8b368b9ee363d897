import { MAX_TTL_MS, MIN_TTL_MS } from '../constants.js'
import { InvalidArgumentError } from '../errors.js'

export { MAX_TTL_MS, MIN_TTL_MS }

/** Throws InvalidArgumentError unless `ttl` is a whole number of ms from 1 s to 4 weeks. */
export function checkTtl (ttl: number): void {
  if (!Number.isInteger(ttl) || ttl < MIN_TTL_MS || ttl > MAX_TTL_MS) throw new InvalidArgumentError('Timers run from 1 second to 4 weeks')
}

/** A timer received from a peer, clamped to the bounds (0 or less: timer off). */
export function clampTtl (ttl: number): number | null {
  return ttl > 0 ? Math.min(Math.max(ttl, MIN_TTL_MS), MAX_TTL_MS) : null
}
