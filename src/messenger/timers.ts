import { InvalidArgumentError } from './errors.js'

/** Disappearing timers: 1 second to 4 weeks. */
export const MIN_TTL_MS = 1000
export const MAX_TTL_MS = 28 * 24 * 3600 * 1000

/** Throws InvalidArgumentError unless `ttl` is a whole number of ms from 1 s to 4 weeks. */
export function checkTtl (ttl: number): void {
  if (!Number.isInteger(ttl) || ttl < MIN_TTL_MS || ttl > MAX_TTL_MS) throw new InvalidArgumentError('Timers run from 1 second to 4 weeks')
}
