import { UsageError } from './errors.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * Parses `500ms`, `30s`, `5m`, `2h`, `1d`, `1w` (a bare number is seconds) into milliseconds.
 *
 * @example
 * ```ts
 * parseDuration('5m') // 300000
 * ```
 */
export function parseDuration (text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(text.trim())
  if (match == null) throw new UsageError(`"${text}" is not a duration (e.g. 30s, 5m, 2h, 1d, 1w)`)
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's'])
}

/** Inactivity periods of `settings set inactivity`: months → days. */
export const INACTIVITY_PERIODS: Record<string, 30 | 90 | 180 | 365> = { '1m': 30, '3m': 90, '6m': 180, '12m': 365 }

/** A short human form of a duration in ms (`90000` → `1m30s`). */
export function formatDuration (ms: number): string {
  const parts: string[] = []
  let rest = Math.round(ms / 1000)
  for (const [unit, size] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) { parts.push(`${Math.floor(rest / size)}${unit}`); rest %= size }
  }
  return parts.length > 0 ? parts.join('') : `${ms}ms`
}
