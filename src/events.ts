import type { AbortOptions } from '@libp2p/interface'

/**
 * A typed EventTarget: `events.addEventListener('envelope', (evt) => evt.detail)` with the
 * detail's type known. Works the same in Node and browsers.
 *
 * @example
 * ```ts
 * class Thing extends TypedEvents<{ tick: number }> {}
 * new Thing().addEventListener('tick', (evt) => console.log(evt.detail + 1))
 * ```
 */
export interface TypedEvents<Events extends Record<string, unknown>> {
  addEventListener<K extends keyof Events & string>(type: K, listener: ((evt: CustomEvent<Events[K]>) => void) | null, options?: boolean | AddEventListenerOptions): void
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void
  removeEventListener<K extends keyof Events & string>(type: K, listener: ((evt: CustomEvent<Events[K]>) => void) | null, options?: boolean | EventListenerOptions): void
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void
}

export class TypedEvents<Events extends Record<string, unknown>> extends EventTarget {
  /** Dispatches a CustomEvent carrying `detail`. */
  emit<K extends keyof Events & string> (type: K, detail: Events[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }

  /** Resolves with the next event of `type` (for which `filter` holds), or rejects when `signal` fires. */
  async next<K extends keyof Events & string> (type: K, options: AbortOptions & { filter?: (detail: Events[K]) => boolean } = {}): Promise<Events[K]> {
    const { signal, filter } = options
    signal?.throwIfAborted()
    return new Promise((resolve, reject) => {
      const listener = (evt: CustomEvent<Events[K]>): void => {
        if (filter != null && !filter(evt.detail)) return
        this.removeEventListener(type, listener)
        signal?.removeEventListener('abort', onAbort)
        resolve(evt.detail)
      }
      const onAbort = (): void => {
        this.removeEventListener(type, listener)
        reject(signal?.reason ?? new Error('aborted'))
      }
      this.addEventListener(type, listener)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}
