/** Tiny DOM helpers for the element: no framework, no innerHTML with data. */

type Attrs = Record<string, string | number | boolean | undefined | null | ((evt: any) => void)>
export type Child = Node | string | number | null | undefined | false

/**
 * Creates an element: `on*` function attributes become listeners, `true` booleans empty
 * attributes, `false`/`null`/`undefined` are skipped; string children become text nodes.
 *
 * @example
 * ```ts
 * h('button', { type: 'button', part: 'send', onclick: send }, 'Send')
 * ```
 */
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue
    if (typeof value === 'function') el.addEventListener(name.slice(2), value)
    else if (name === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value)
    else el.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children) {
    if (child == null || child === false) continue
    el.append(typeof child === 'object' ? child : String(child))
  }
  return el
}

/** Replaces the children of `el`. */
export function fill (el: ParentNode, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string | number => c != null && c !== false).map((c) => typeof c === 'object' ? c : String(c)))
}

/** `12:34` for today, `3 Jan 12:34` otherwise. */
export function formatTime (ms: number, now = Date.now()): string {
  const date = new Date(ms)
  const sameDay = new Date(now).toDateString() === date.toDateString()
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
  return sameDay ? time : `${date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${time}`
}

/** Short form of an address for titles: first and last characters. */
export function shortAddress (address: string): string {
  return address.length <= 14 ? address : `${address.slice(0, 6)}…${address.slice(-6)}`
}

/**
 * How an outgoing message's delivery state looks: a glyph, a spoken label (also the tooltip),
 * and for the first hop, a word saying whether it went straight to the peer or to a relay.
 * Delivered and read differ in shape as well as colour (read: a filled pill, see styles.ts).
 */
export const DELIVERY_TICKS: Record<string, { glyph: string, label: string, route?: string }> = {
  queued: { glyph: '○', label: 'Queued' },
  sent: { glyph: '✓', label: 'Sent', route: 'direct' },
  stored: { glyph: '✓', label: 'Stored at relay', route: 'via relay' },
  delivered: { glyph: '✓✓', label: 'Delivered' },
  read: { glyph: '✓✓', label: 'Read' },
  failed: { glyph: '⚠', label: 'Failed' },
  received: { glyph: '', label: 'Received' }
}

/** The spoken label of a delivery state; a failure carries its reason when one is known. */
export function deliveryLabel (status: string, reason?: string): string {
  const label = (DELIVERY_TICKS[status] ?? DELIVERY_TICKS.queued).label
  return status === 'failed' ? `Failed: ${reason ?? 'not delivered'}` : label
}

/** "30 seconds", "1 hour", or "off": a timer in words, for chat lines. */
export function timerLabel (ms: number | null): string {
  if (ms == null) return 'off'
  const known = TIMER_CHOICES.find((t) => t.ms === ms)
  if (known != null) return known.label
  const units: Array<[number, string]> = [[604_800_000, 'week'], [86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']]
  for (const [size, name] of units) {
    if (ms >= size) { const n = Math.round(ms / size); return `${n} ${name}${n === 1 ? '' : 's'}` }
  }
  return `${ms} ms`
}

/** Disappearing-message choices (ms, or null for off). */
export const TIMER_CHOICES: Array<{ label: string, ms: number | null }> = [
  { label: 'Off', ms: null },
  { label: '30 seconds', ms: 30_000 },
  { label: '5 minutes', ms: 300_000 },
  { label: '1 hour', ms: 3_600_000 },
  { label: '1 day', ms: 86_400_000 },
  { label: '1 week', ms: 604_800_000 }
]

/** The 60-digit safety number in 12 groups of 5, as it is read aloud. */
export function groupDigits (digits: string): string {
  return digits.replace(/\s+/g, '').replace(/(\d{5})(?=\d)/g, '$1 ')
}
