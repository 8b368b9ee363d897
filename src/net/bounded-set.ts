/**
 * A set that remembers at most `capacity` keys, forgetting the oldest first.
 * Used to deduplicate envelope ids with bounded memory.
 */
export class BoundedSet<K> {
  private readonly items = new Set<K>()
  constructor (readonly capacity: number) {}

  has (key: K): boolean { return this.items.has(key) }

  /** Adds `key`; returns false when it was already present. */
  add (key: K): boolean {
    if (this.items.has(key)) return false
    this.items.add(key)
    if (this.items.size > this.capacity) {
      const oldest = this.items.values().next().value as K
      this.items.delete(oldest)
    }
    return true
  }

  get size (): number { return this.items.size }
}
