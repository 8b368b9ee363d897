/** Small helpers of the scale simulation: random choice, quantiles, a bounded task pool, stderr log. */

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]

export function quantile (xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

export interface Summary { n: number, mean: number, p50: number, p90: number, p99: number, max: number }

export function summary (xs: readonly number[]): Summary {
  return {
    n: xs.length,
    mean: Number((xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(2)),
    p50: quantile(xs, 0.5),
    p90: quantile(xs, 0.9),
    p99: quantile(xs, 0.99),
    max: xs.length === 0 ? NaN : Math.max(...xs)
  }
}

export const log = (...parts: unknown[]): void => { process.stderr.write(parts.map(String).join(' ') + '\n') }

/** Runs `tasks`, at most `limit` at once; results in order. */
export async function pool<T> (tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++
      out[i] = await tasks[i]()
    }
  }))
  return out
}

/** Resolves after `ms` (the simulation's clock: churn periods and message pacing, never in tests). */
export async function pause (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
