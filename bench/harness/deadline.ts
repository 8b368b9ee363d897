/** Runs one piece of work against a deadline: it ends when the work does or when its signal aborts. */

export interface DeadlineOptions {
  /** Milliseconds before the signal aborts with `timeoutError()`. */
  ms: number
  /** An outer signal (the suite's, the run's) whose abort ends the work too, with its reason. */
  parent?: AbortSignal
  timeoutError: () => Error
  /** Told about a failure of the work that arrives after the deadline ended it. */
  onLateFailure?: (err: unknown) => void
}

/**
 * Calls `fn` with a signal that aborts after `ms` (or when `parent` aborts) and settles as soon
 * as either the work settles or the signal aborts, whether or not the work honours the signal:
 * a wait the work forgot to bound cannot hold up the caller. Work still running after the
 * deadline is left to the caller's cleanup (stopping the nodes and processes it uses).
 */
export async function withDeadline<T> (fn: (signal: AbortSignal) => Promise<T>, options: DeadlineOptions): Promise<T> {
  const controller = new AbortController()
  const { parent } = options
  const onParentAbort = (): void => { controller.abort(parent?.reason) }
  if (parent?.aborted === true) onParentAbort()
  else parent?.addEventListener('abort', onParentAbort, { once: true })
  const timer = setTimeout(() => { controller.abort(options.timeoutError()) }, options.ms)
  const { promise: aborted, reject } = Promise.withResolvers<never>()
  const onAbort = (): void => { reject(controller.signal.reason) }
  if (controller.signal.aborted) onAbort()
  else controller.signal.addEventListener('abort', onAbort, { once: true })
  // the losing side of the race below must not become an unhandled rejection
  aborted.catch(() => {})
  const work = Promise.resolve().then(async () => fn(controller.signal))
  work.catch((err: unknown) => {
    // the work failed after the deadline ended it, for a reason other than the deadline itself
    if (controller.signal.aborted && err !== controller.signal.reason) options.onLateFailure?.(err)
  })
  try {
    return await Promise.race([work, aborted])
  } finally {
    clearTimeout(timer)
    parent?.removeEventListener('abort', onParentAbort)
    controller.signal.removeEventListener('abort', onAbort)
  }
}

/** Resolves as `promise` does, or rejects with the signal's reason as soon as it aborts. */
export async function raceSignal<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  const { promise: aborted, reject } = Promise.withResolvers<never>()
  const onAbort = (): void => { reject(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
