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
export function tickLabel (status, id, lastError) { return status === 'failed' ? `Failed: ${failures.get(id) ?? (lastError != null ? reasonInWords(lastError) : 'not delivered')}` : TICK_LABEL[status] ?? status }

export function left (ms) {
  const s = Math.max(0, Math.round((ms - Date.now()) / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.round(s / 60)}m`
  if (s < 86400) return `${Math.round(s / 3600)}h`
  return `${Math.round(s / 86400)}d`
}
