import cliProgress from 'cli-progress'

/** What `parley init --link` is told of the history while it arrives (the node's `HistoryLinkProgress`, as the CLI sees it). */
export interface HistoryBarProgress { received: number, total: number, done: boolean, via: 'direct' | 'relay', error?: Error }

/**
 * The history of a newly linked device as a progress bar (cli-progress) on a terminal's stderr,
 * messages stored of the archive's total; lines on stdout say how it ended. On a pipe or a log
 * only the lines are written.
 */
export function historyBar (out: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): (p: HistoryBarProgress) => void {
  let bar: cliProgress.SingleBar | undefined
  const stop = (): void => { bar?.stop(); bar = undefined }
  return (p) => {
    if (p.error != null) {
      stop()
      out(`linked, but the history transfer broke off: ${p.error.message}`)
      out('the rest of the history follows through the account\'s relays once this device runs (parley daemon)')
      return
    }
    if (p.via === 'relay') {
      out('the history comes through the account\'s relays: it arrives once this device runs (parley daemon), even when the other device is offline by then')
      return
    }
    if (!p.done) {
      if (stream.isTTY !== true || p.total <= 0) return
      if (bar == null) {
        bar = new cliProgress.SingleBar({ stream, format: ' history {bar} {percentage}% | {value}/{total} messages', hideCursor: true }, cliProgress.Presets.shades_classic)
        bar.start(p.total, 0)
      }
      bar.setTotal(Math.max(p.total, p.received))
      bar.update(p.received)
      return
    }
    stop()
    out(`history: ${p.received} messages`)
  }
}

/** One `history-progress` / `history-done` event of the sending side, as `/v1/events` carries it. */
export interface SendingHistoryEvent { type: 'history-progress' | 'history-done', device: string, role: 'sending' | 'receiving', via: 'direct' | 'relay', received: number, total: number }

/**
 * The existing device's side (`parley devices link`): the history it sends a newly linked device,
 * as a progress bar on a terminal's stderr — messages the new device acknowledged as stored
 * (`direct`), or sealed into the archive for the account's relays (`relay`) — and a line on stdout
 * when the way changes (the new device went away: the rest goes through the relays) and when it
 * ends. Returns true once the history is done.
 */
export function sendingHistoryBar (out: (line: string) => void, stream: NodeJS.WriteStream = process.stderr): (e: SendingHistoryEvent) => boolean {
  let bar: cliProgress.SingleBar | undefined
  let via: 'direct' | 'relay' | undefined
  const stop = (): void => { bar?.stop(); bar = undefined }
  return (e) => {
    if (e.role !== 'sending') return false
    if (via === 'direct' && e.via === 'relay') {
      stop()
      out('the new device went away: the rest of its history is sealed for the account\'s relays')
    }
    via = e.via
    if (e.type === 'history-done') {
      stop()
      out(e.via === 'direct'
        ? `history sent: ${e.received} messages stored on the new device`
        : `history sealed for the account's relays: ${e.received} messages (the new device fetches them, even while this one is offline)`)
      return true
    }
    if (stream.isTTY !== true || e.total <= 0) return false
    if (bar == null) {
      const label = e.via === 'direct' ? 'sending history' : 'sealing history'
      bar = new cliProgress.SingleBar({ stream, format: ` ${label} {bar} {percentage}% | {value}/{total} messages`, hideCursor: true }, cliProgress.Presets.shades_classic)
      bar.start(e.total, 0)
    }
    bar.setTotal(Math.max(e.total, e.received))
    bar.update(e.received)
    return false
  }
}
