import type { OutboxEntry, OutboxTarget } from '../../store/index.js'

export type { OutboxTarget }

/** Prefix of the string targets older versions wrote for deferred entries: `pending|<conversation id>`. */
const LEGACY_PENDING_PREFIX = 'pending|'

/**
 * Where an outbox entry goes: its typed `target`, or, for entries written by older versions,
 * the string in `targets[0]` (`'any|<address>|<device hex>'`, `'direct|…'`, `'pending|<conversation>'`).
 */
export function targetOf (entry: OutboxEntry): OutboxTarget {
  if (entry.target != null) return entry.target
  const legacy = entry.targets[0] ?? ''
  if (legacy.startsWith(LEGACY_PENDING_PREFIX)) return { kind: 'pending', conversationId: legacy.slice(LEGACY_PENDING_PREFIX.length) }
  const [mode, address, deviceKey] = legacy.split('|')
  return { kind: 'sealed', address: address ?? '', deviceKey: deviceKey ?? '', directOnly: mode === 'direct' }
}
