import type { ContactView, MessageView, QuarantinedView, StatusView } from '../daemon/api-types.js'
import { formatDuration } from './duration.js'

/** Delivery ticks: ⏳ queued, ✓ sent/stored, ✓✓ delivered, ✓✓ read (with "read"), ✗ failed. */
export function ticks (status: MessageView['status']): string {
  switch (status) {
    case 'queued': return '…'
    case 'sent': return '✓'
    case 'stored': return '✓ (relay)'
    case 'delivered': return '✓✓'
    case 'read': return '✓✓ read'
    case 'failed': return '✗ failed'
    default: return ''
  }
}

function time (ms: number): string {
  const d = new Date(ms)
  return `${d.toISOString().slice(0, 10)} ${d.toTimeString().slice(0, 8)}`
}

/** One message as a terminal line: `[time] me|name: text  ticks  (id)`. */
export function formatMessage (m: MessageView, peerName: string): string {
  const who = m.direction === 'out' ? 'me' : peerName
  // notices ("took a screenshot") read as a sentence about who did it
  if (m.kind === 'notice') return `[${time(m.sentAt)}] * ${m.direction === 'out' ? 'You' : peerName} ${m.text ?? ''}  (${m.id})`
  const text = m.kind === 'text' ? (m.text ?? '') : '(a message this version of Parley cannot show)'
  const extras = [
    m.direction === 'out' ? ticks(m.status) : '',
    m.expiresAt != null ? `⏱ ${formatDuration(Math.max(0, m.expiresAt - Date.now()))}` : '',
    m.replyTo != null ? `↩ ${m.replyTo}` : '',
    (m.editHistory?.length ?? 0) > 0 ? '(edited)' : ''
  ].filter((s) => s !== '').join('  ')
  return `[${time(m.sentAt)}] ${who}: ${text}${extras !== '' ? '  ' + extras : ''}  (${m.id})`
}

/** One contact as a line: name, address, verification, blocked. */
export function formatContact (c: ContactView): string {
  const flags = [c.verification === 'verified' ? 'verified' : c.verification === 'changed' ? 'KEY CHANGED' : '', c.blocked ? 'blocked' : ''].filter((s) => s !== '')
  return `${c.name}\t${c.address}${flags.length > 0 ? '\t' + flags.join(', ') : ''}`
}

/** Status as aligned lines. */
export function formatStatus (s: StatusView & { daemonVersion?: string }, url: string): string[] {
  return [
    `account:   ${s.address}`,
    `peer:      ${s.peerId}`,
    ...s.multiaddrs.map((a) => `listen:    ${a}`),
    `peers:     ${s.peers}`,
    `relays:    ${s.relays.length > 0 ? s.relays.join(', ') : '(none)'}`,
    `dht table: ${s.dhtTableSize}`,
    `outbox:    ${s.outbox}`,
    `inbox:     ${unreadableLine(s.unreadable)}`,
    `version:   ${s.version}${s.daemonVersion != null && s.daemonVersion !== s.version ? ` (daemon ${s.daemonVersion})` : ''}`,
    `api:       ${url}`
  ]
}

/** "n messages could not be read" (relay envelopes quarantined after bounded retries). */
export function unreadableLine (count: number): string {
  if (count === 0) return 'every message could be read'
  return `${count} message${count === 1 ? '' : 's'} could not be read (\`parley unreadable\` shows why)`
}

/** One quarantined envelope as a line: when, the reason's code and message, attempts, id. */
export function formatQuarantined (q: QuarantinedView): string {
  return `[${time(q.quarantinedAt)}] ${q.code}: ${q.reason}  (${q.attempts} attempt${q.attempts === 1 ? '' : 's'}, envelope ${q.id})`
}

/** Groups a 60-digit safety number in blocks of five, three rows of four. */
export function formatSafetyNumber (digits: string): string[] {
  const blocks = digits.match(/.{1,5}/g) ?? [digits]
  const rows: string[] = []
  for (let i = 0; i < blocks.length; i += 4) rows.push(blocks.slice(i, i + 4).join(' '))
  return rows
}

/**
 * `text` as a QR code drawn with Unicode half blocks (two modules per character row), dark on a
 * light quiet zone so that phones read it on dark and light terminals alike.
 */
export async function terminalQr (text: string): Promise<string> {
  const { toString } = await import('qrcode')
  return (await toString(text, { type: 'utf8', errorCorrectionLevel: 'M', margin: 2 })).replace(/\n+$/, '')
}

/** Whether to draw QR codes: always with `--qr`, never with `--no-qr`, else when stdout is a terminal. */
export function wantsQr (opts: { qr?: boolean }, stdoutIsTty = process.stdout.isTTY === true): boolean {
  return opts.qr ?? stdoutIsTty
}
