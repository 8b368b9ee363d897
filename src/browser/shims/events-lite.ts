/**
 * Build-time stand-in (see scripts/build-browser.mjs) for the `events` package (Node's
 * EventEmitter for browsers, ≈6 KiB minified) where abstract-level uses it as the base class
 * of every level database. Same semantics as `events` 3.3 for the whole instance API: on /
 * addListener / prependListener, once / prependOnceListener, off / removeListener (last match
 * first), removeAllListeners (LIFO, with `removeListener` events), emit (listeners copied
 * before the call; an unhandled `error` throws), listeners / rawListeners / listenerCount /
 * eventNames, set/getMaxListeners with the "possible memory leak" warning, and the
 * `newListener` / `removeListener` events that abstract-level's EventMonitor relies on.
 * Not here: the static `once()`/`listenerCount()` helpers (abstract-level uses neither).
 */

type Listener = ((...args: any[]) => unknown) & { listener?: Listener }
type EventName = string | symbol

function checkListener (listener: unknown): asserts listener is Listener {
  if (typeof listener !== 'function') {
    throw new TypeError(`The "listener" argument must be of type Function. Received type ${typeof listener}`)
  }
}

export class EventEmitter {
  static defaultMaxListeners = 10
  readonly #events = new Map<EventName, Listener[] & { warned?: boolean }>()
  #maxListeners: number | undefined

  setMaxListeners (n: number): this {
    if (typeof n !== 'number' || n < 0 || Number.isNaN(n)) {
      throw new RangeError(`The value of "n" is out of range. It must be a non-negative number. Received ${String(n)}.`)
    }
    this.#maxListeners = n
    return this
  }

  getMaxListeners (): number {
    return this.#maxListeners ?? EventEmitter.defaultMaxListeners
  }

  emit (type: EventName, ...args: unknown[]): boolean {
    const list = this.#events.get(type)
    if (list == null) {
      if (type !== 'error') return false
      const er = args[0]
      if (er instanceof Error) throw er
      // as `events` 3.3 words it (a non-Error has no message: "(undefined)")
      const err = new Error(`Unhandled error.${er ? ` (${String((er as { message?: unknown }).message)})` : ''}`) as Error & { context?: unknown }
      err.context = er
      throw err
    }
    for (const listener of [...list]) Reflect.apply(listener, this, args)
    return true
  }

  #add (type: EventName, listener: unknown, prepend: boolean): this {
    checkListener(listener)
    // before adding, so that a `newListener` listener never sees itself
    if (this.#events.has('newListener')) this.emit('newListener', type, listener.listener ?? listener)
    let list = this.#events.get(type)
    if (list == null) {
      list = []
      this.#events.set(type, list)
    }
    if (prepend) list.unshift(listener)
    else list.push(listener)
    const max = this.getMaxListeners()
    if (max > 0 && list.length > max && list.warned !== true) {
      list.warned = true
      const warning = Object.assign(new Error(`Possible EventEmitter memory leak detected. ${list.length} ${String(type)} listeners added. Use emitter.setMaxListeners() to increase limit`), {
        name: 'MaxListenersExceededWarning', emitter: this, type, count: list.length
      })
      console.warn(warning)
    }
    return this
  }

  on (type: EventName, listener: Listener): this { return this.#add(type, listener, false) }
  addListener (type: EventName, listener: Listener): this { return this.#add(type, listener, false) }
  prependListener (type: EventName, listener: Listener): this { return this.#add(type, listener, true) }
  once (type: EventName, listener: Listener): this { return this.#add(type, this.#onceWrap(type, listener), false) }
  prependOnceListener (type: EventName, listener: Listener): this { return this.#add(type, this.#onceWrap(type, listener), true) }

  #onceWrap (type: EventName, listener: unknown): Listener {
    checkListener(listener)
    let fired = false
    const wrapped: Listener = (...args: unknown[]) => {
      if (fired) return undefined
      this.removeListener(type, wrapped)
      fired = true
      return Reflect.apply(listener, this, args)
    }
    wrapped.listener = listener
    return wrapped
  }

  removeListener (type: EventName, listener: Listener): this {
    checkListener(listener)
    const list = this.#events.get(type)
    if (list == null) return this
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === listener || list[i].listener === listener) {
        const removed = list[i]
        list.splice(i, 1)
        if (list.length === 0) this.#events.delete(type)
        if (this.#events.has('removeListener')) this.emit('removeListener', type, removed.listener ?? listener)
        break
      }
    }
    return this
  }

  off (type: EventName, listener: Listener): this { return this.removeListener(type, listener) }

  removeAllListeners (type?: EventName): this {
    if (!this.#events.has('removeListener')) {
      if (arguments.length === 0) this.#events.clear()
      else this.#events.delete(type as EventName)
      return this
    }
    if (arguments.length === 0) {
      for (const key of [...this.#events.keys()]) {
        if (key !== 'removeListener') this.removeAllListeners(key)
      }
      this.removeAllListeners('removeListener')
      this.#events.clear()
      return this
    }
    const list = this.#events.get(type as EventName)
    if (list != null) {
      for (let i = list.length - 1; i >= 0; i--) this.removeListener(type as EventName, list[i])
    }
    return this
  }

  listeners (type: EventName): Listener[] {
    return (this.#events.get(type) ?? []).map((l) => l.listener ?? l)
  }

  rawListeners (type: EventName): Listener[] {
    return [...(this.#events.get(type) ?? [])]
  }

  listenerCount (type: EventName): number {
    return this.#events.get(type)?.length ?? 0
  }

  eventNames (): EventName[] {
    return [...this.#events.keys()]
  }
}

export default EventEmitter
