/**
 * The part of `ms` (3.x) that the debug logger uses (weald-lite.ts): the short format of a
 * number of milliseconds, for the `+12ms` between two log lines. Same output as `ms(number)`;
 * anything but a finite number throws.
 */

const s = 1000
const m = s * 60
const h = m * 60
const d = h * 24
const w = d * 7
const y = d * 365.25
const mo = y / 12

export function ms (value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError('ms stand-in of the Parley browser build: only formats finite numbers of milliseconds')
  }
  const abs = Math.abs(value)
  if (abs >= y) return `${Math.round(value / y)}y`
  if (abs >= mo) return `${Math.round(value / mo)}mo`
  if (abs >= w) return `${Math.round(value / w)}w`
  if (abs >= d) return `${Math.round(value / d)}d`
  if (abs >= h) return `${Math.round(value / h)}h`
  if (abs >= m) return `${Math.round(value / m)}m`
  if (abs >= s) return `${Math.round(value / s)}s`
  return `${value}ms`
}
