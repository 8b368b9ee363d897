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
