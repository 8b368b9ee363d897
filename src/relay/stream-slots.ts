import type { AddressKeys } from '../net/remote-address.js'

/** Which cap a stream met: its address's (IPv4, IPv6 /64), its IPv6 /48's, or the relay-wide one. */
export type SlotScope = 'address' | 'network' | 'relay'

/** One open stream as the slot table sees it. */
export interface SlotHolder {
  /** Its remote address keys; `undefined` for an exempt address (no per-address cap). */
  readonly address: AddressKeys | undefined
  /** True while it may be closed to make room: unauthenticated, not subscribed, nothing in flight. */
  readonly evictable: boolean
  /** When it was opened or last did something useful (a deposit, a prekey take), on a monotonic clock. */
  readonly lastUsefulAt: number
}

export interface StreamSlotLimits {
  /** Streams open at once on the whole relay. */
  maxStreams: number
  /** Streams open at once per remote address (IPv4 address, IPv6 /64). */
  maxStreamsPerAddress: number
  /** Streams open at once per IPv6 /48. */
  maxStreamsPerNetwork: number
}

/** The outcome of {@link StreamSlots.admit}: the streams to close to make room, or the cap that refused. */
export type Admission<T> =
  | { admitted: true, evicted: Array<{ holder: T, scope: SlotScope }> }
  | { admitted: false, scope: SlotScope }

/** Group key of streams from exempt addresses (they share one group for eviction). */
const EXEMPT_GROUP = '(exempt)'

/**
 * The relay's table of open mailbox streams, counted per remote address (IPv4 address, IPv6
 * /64), per IPv6 /48 and relay-wide. A new stream that meets a full cap takes the slot of an
 * idle unauthenticated stream instead of being refused: at an address's (or /48's) cap, the one
 * of that address idle longest; at the relay-wide cap, the one idle longest of the address
 * holding the most streams. It is refused only when no such stream exists. So one host holding
 * every slot it may costs other hosts nothing, and a full relay sheds its heaviest holder's
 * idle streams first. Bounded by the caps themselves: every map holds only open streams.
 *
 * @example
 * ```ts
 * const slots = new StreamSlots<Session>({ maxStreams: 1024, maxStreamsPerAddress: 64, maxStreamsPerNetwork: 256 })
 * const admission = slots.admit(session)
 * if (!admission.admitted) refuse(admission.scope)
 * else for (const { holder } of admission.evicted) holder.stream.abort(new Error('evicted'))
 * // when the stream ends:
 * slots.release(session)
 * ```
 */
export class StreamSlots<T extends SlotHolder> implements Iterable<T> {
  private readonly holders = new Set<T>()
  private readonly byAddress = new Map<string, Set<T>>()
  private readonly byNetwork = new Map<string, Set<T>>()

  constructor (private readonly limits: StreamSlotLimits) {}

  /** Open streams. */
  get size (): number { return this.holders.size }

  [Symbol.iterator] (): Iterator<T> { return this.holders.values() }

  /**
   * Takes a slot for `holder`, evicting idle unauthenticated streams where a cap is full. The
   * evicted ones are already released: the caller closes them. Nothing changes on a refusal.
   */
  admit (holder: T): Admission<T> {
    const evicted = new Map<T, SlotScope>()
    const make = (scope: SlotScope, group: Set<T> | undefined, cap: number): boolean => {
      if (group == null || occupied(group, evicted) < cap) return true
      const victim = longestIdle(group, evicted)
      if (victim == null) return false
      evicted.set(victim, scope)
      return true
    }
    const keys = holder.address
    if (keys != null) {
      if (!make('address', this.byAddress.get(keys.address), this.limits.maxStreamsPerAddress)) return { admitted: false, scope: 'address' }
      if (keys.network != null && !make('network', this.byNetwork.get(keys.network), this.limits.maxStreamsPerNetwork)) return { admitted: false, scope: 'network' }
    }
    if (this.holders.size - evicted.size >= this.limits.maxStreams) {
      const victim = this.heaviestGroupsIdle(evicted)
      if (victim == null) return { admitted: false, scope: 'relay' }
      evicted.set(victim, 'relay')
    }
    for (const victim of evicted.keys()) this.release(victim)
    this.holders.add(holder)
    addTo(this.byAddress, groupOf(holder), holder)
    if (keys?.network != null) addTo(this.byNetwork, keys.network, holder)
    return { admitted: true, evicted: [...evicted].map(([victim, scope]) => ({ holder: victim, scope })) }
  }

  /** Frees `holder`'s slot (no-op when it holds none: evicted, or released before). */
  release (holder: T): void {
    if (!this.holders.delete(holder)) return
    removeFrom(this.byAddress, groupOf(holder), holder)
    const network = holder.address?.network
    if (network != null) removeFrom(this.byNetwork, network, holder)
  }

  /** Forgets every stream (the relay is stopping). */
  clear (): void {
    this.holders.clear()
    this.byAddress.clear()
    this.byNetwork.clear()
  }

  /** The stream idle longest of the address holding the most streams that has an idle one. */
  private heaviestGroupsIdle (excluded: ReadonlyMap<T, SlotScope>): T | undefined {
    const groups = [...this.byAddress.values()].sort((a, b) => occupied(b, excluded) - occupied(a, excluded))
    for (const group of groups) {
      const victim = longestIdle(group, excluded)
      if (victim != null) return victim
    }
    return undefined
  }
}

function groupOf (holder: SlotHolder): string {
  return holder.address?.address ?? EXEMPT_GROUP
}

function occupied<T> (group: Set<T>, excluded: ReadonlyMap<T, unknown>): number {
  let n = group.size
  for (const holder of excluded.keys()) if (group.has(holder)) n--
  return n
}

function longestIdle<T extends SlotHolder> (group: Iterable<T>, excluded: ReadonlyMap<T, unknown>): T | undefined {
  let best: T | undefined
  for (const holder of group) {
    if (!holder.evictable || excluded.has(holder)) continue
    if (best == null || holder.lastUsefulAt < best.lastUsefulAt) best = holder
  }
  return best
}

function addTo<T> (map: Map<string, Set<T>>, key: string, holder: T): void {
  let set = map.get(key)
  if (set == null) { set = new Set(); map.set(key, set) }
  set.add(holder)
}

function removeFrom<T> (map: Map<string, Set<T>>, key: string, holder: T): void {
  const set = map.get(key)
  if (set == null) return
  set.delete(holder)
  if (set.size === 0) map.delete(key)
}
