// Groups in words (no DOM): what a membership change did, receipts counted over members, a
// group's line in the sidebar. `nameOf(address)` is the contact's name, "You" for this account.

const UNITS = [[604_800_000, 'week'], [86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']]

/** A timer in words: "1 hour", "30 seconds". */
export function durationWords (ms) {
  for (const [size, name] of UNITS) {
    if (ms >= size) { const n = Math.round(ms / size); return `${n} ${name}${n === 1 ? '' : 's'}` }
  }
  return `${ms} ms`
}

function list (names) {
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

/**
 * The lines a group change reads as, from the group before and after (GroupViews):
 * "Bob and Carol joined the group", "Dave left or was removed", "Bob is now an admin",
 * "The group was renamed to “Trip”", "Disappearing messages set to 1 hour", "You were removed
 * from the group". The view says what changed, not who changed it.
 */
export function membershipLines (before, after, nameOf, me) {
  if (before == null) return []
  const out = []
  const roles = (g) => new Map(g.members.map((m) => [m.address, m.role]))
  const was = roles(before)
  const now = roles(after)
  const joined = [...now.keys()].filter((a) => !was.has(a) && a !== me)
  const gone = [...was.keys()].filter((a) => !now.has(a) && a !== me)
  if (joined.length > 0) out.push(`${list(joined.map(nameOf))} joined the group`)
  if (gone.length > 0) out.push(`${list(gone.map(nameOf))} ${gone.length === 1 ? 'is' : 'are'} no longer in the group`)
  for (const [address, role] of now) {
    const prior = was.get(address)
    if (prior == null || prior === role) continue
    const who = address === me ? 'You' : nameOf(address)
    const verb = address === me ? 'are' : 'is'
    out.push(role === 'admin' ? `${who} ${verb} now an admin` : `${who} ${verb} no longer an admin`)
  }
  if (before.name !== after.name) out.push(`The group was renamed to “${after.name}”`)
  if (before.timerMs !== after.timerMs) out.push(after.timerMs > 0 ? `Disappearing messages set to ${durationWords(after.timerMs)}` : 'Disappearing messages turned off')
  if (before.self === 'member' && after.self === 'removed') out.push('You were removed from the group')
  if (before.self === 'member' && after.self === 'left') out.push('You left the group')
  return out
}

/** "read by 3 of 7", "read by 1 of 7, delivered to 4", "delivered to 2 of 7", or '' (none yet); `others`: members but me. */
export function receiptWords ({ delivered, read }, others) {
  if (read > 0) return `read by ${read} of ${others}${delivered > read ? `, delivered to ${delivered}` : ''}`
  if (delivered > 0) return `delivered to ${delivered} of ${others}`
  return ''
}

/** The sidebar's second line for a group: "group · 4 members · admin", or why it is read-only. */
export function groupMeta (group, me) {
  if (group == null) return 'group'
  if (group.self === 'left') return 'group · you left'
  if (group.self === 'removed') return 'group · you were removed'
  const n = group.members.length
  const admin = group.members.some((m) => m.address === me && m.role === 'admin')
  return `group · ${n} member${n === 1 ? '' : 's'}${admin ? ' · admin' : ''}`
}
