/**
 * Build-time stand-in (see scripts/build-browser.mjs) for `p-retry` where libp2p's reconnect
 * queue uses it: `pRetry(fn, { signal, retries, factor, minTimeout })` around re-dialling a
 * keep-alive peer. This is p-retry 8's loop for those options (its defaults for the rest:
 * no randomisation, no maximum delay or retry time): attempt n+1 starts
 * `round(minTimeout · factor^n)` ms after failure n; a TypeError that is not a network error
 * is not retried; the signal aborts a wait with its reason. Other options throw.
 */
import isNetworkError from 'is-network-error'

export interface RetryLiteOptions {
  signal?: AbortSignal
  retries?: number
  factor?: number
  minTimeout?: number
}

const SUPPORTED = new Set(['signal', 'retries', 'factor', 'minTimeout'])

function checkNumber (name: string, value: number | undefined, allowInfinity = false): void {
  if (value === undefined) return
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`Expected \`${name}\` to be a number.`)
  if (!allowInfinity && !Number.isFinite(value)) throw new TypeError(`Expected \`${name}\` to be a finite number.`)
  if (value < 0) throw new TypeError(`Expected \`${name}\` to be ≥ 0.`)
  if (allowInfinity && Number.isFinite(value) && !Number.isInteger(value)) throw new TypeError(`Expected \`${name}\` to be a non-negative integer or Infinity.`)
}

async function delay (ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export default async function pRetry<T> (input: (attemptNumber: number) => T | PromiseLike<T>, options: RetryLiteOptions = {}): Promise<T> {
  for (const key of Object.keys(options)) {
    if (!SUPPORTED.has(key)) throw new TypeError(`p-retry stand-in of the Parley browser build: option "${key}" is not supported`)
  }
  checkNumber('retries', options.retries, true)
  checkNumber('factor', options.factor)
  checkNumber('minTimeout', options.minTimeout)
  const retries = options.retries ?? 10
  const factor = (options.factor ?? 2) > 0 ? (options.factor ?? 2) : 1
  const minTimeout = options.minTimeout ?? 1000
  const { signal } = options
  signal?.throwIfAborted()

  for (let attemptNumber = 1, consumed = 0; ; attemptNumber++, consumed++) {
    try {
      signal?.throwIfAborted()
      const result = await input(attemptNumber)
      signal?.throwIfAborted()
      return result
    } catch (error) {
      const err = error instanceof Error ? error : new TypeError(`Non-error was thrown: "${String(error)}". You should only throw errors.`)
      const retriesLeft = Number.isFinite(retries) ? Math.max(0, retries - consumed) : retries
      if (retriesLeft <= 0) throw err
      if (err instanceof TypeError && !isNetworkError(err)) throw err
      signal?.throwIfAborted()
      await delay(Math.round(minTimeout * factor ** consumed), signal)
      signal?.throwIfAborted()
    }
  }
}
