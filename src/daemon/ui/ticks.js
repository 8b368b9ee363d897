// Delivery ticks in words and shapes, and a disappearing message's time left.
import { reasonInWords } from './reachability.js'

// delivered and read differ in shape (read: a filled pill with the word) as well as colour;
// the first hop is said in words: "direct" (sent to their device) or "via relay" (stored there)
const TICKS = { queued: '…', sent: '✓ direct', stored: '✓ via relay', delivered: '✓✓', read: '✓✓ read', failed: '⚠ not delivered' }
const TICK_LABEL = { queued: 'Queued', sent: 'Sent', stored: 'Stored at relay', delivered: 'Delivered', read: 'Read', failed: 'Failed' }
/** Why a message failed, from `delivery` events (message views carry no reason). */
export const failures = new Map()
/** Delivered and read keep the first hop in words: "✓✓ via relay". */
export function tickText (status, route) { return TICKS[status] == null ? '' : `${TICKS[status]}${(status === 'delivered' || status === 'read') && route != null ? (route === 'relay' ? ' via relay' : ' direct') : ''}` }
/**
 * What the ticks of a group message show: its first hop only (delivered and read are counted
 * over the members beside them, "read by 2 of 3": one member's receipt must not read as "read").
 */
export function groupHop (status, route) {
  if (status !== 'delivered' && status !== 'read') return status
  return route === 'relay' ? 'stored' : 'sent'
}
export function tickLabel (status, id, lastError) { return status === 'failed' ? `Failed: ${failures.get(id) ?? (lastError != null ? reasonInWords(lastError) : 'not delivered')}` : TICK_LABEL[status] ?? status }

export function left (ms) {
  const s = Math.max(0, Math.round((ms - Date.now()) / 1000))
  if (s < 60) return `${s}s`
  // each unit until the next one's first whole step: 59m, then 1h (never "60m"), 23h, then 1d
  const minutes = Math.round(s / 60)
  if (minutes < 60) return `${minutes}m`
  const hours = Math.round(s / 3600)
  if (hours < 24) return `${hours}h`
  return `${Math.round(s / 86400)}d`
}
