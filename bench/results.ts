import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import os from 'node:os'

/** `ok`: measured; `failed`: the step timed out or threw (or measured nothing), see `reason`. */
export type FigureStatus = 'ok' | 'failed'

/**
 * One measured figure; `reference`/`ratio` when a reference was measured in the same run.
 * A failed figure has `status: 'failed'`, a `reason` ("CODE: message") and no value (`null` in
 * bench-results.json, as JSON has no NaN).
 */
export interface BenchFigure {
  suite: string
  name: string
  value: number
  unit: string
  reference?: number
  ratio?: number
  status?: FigureStatus
  reason?: string
}

/** How one suite of the run ended. */
export interface SuiteOutcome {
  suite: string
  status: 'ok' | 'failed' | 'timed out' | 'interrupted'
  ms: number
  reason?: string
}

const figures: BenchFigure[] = []
/** Suites the runner has finished with (or given up on): figures they record later are dropped. */
const closedSuites = new Set<string>()

export function record (figure: BenchFigure): void {
  if (closedSuites.has(figure.suite)) {
    console.error(`# dropped a late figure of suite ${figure.suite} (its run was over): ${figure.name}`)
    return
  }
  if (figure.reference !== undefined && figure.ratio === undefined && figure.reference !== 0) {
    figure.ratio = figure.value / figure.reference
  }
  if (figure.status === undefined) {
    const measured = Number.isFinite(figure.value)
    figure.status = measured ? 'ok' : 'failed'
    if (!measured) figure.reason ??= `no value measured (${figure.value})`
  }
  figures.push(figure)
}

/** Records the failed figure `name` of `suite` with its reason. */
export function recordFailure (suite: string, name: string, reason: string, unit = ''): void {
  record({ suite, name, value: Number.NaN, unit, status: 'failed', reason })
}

/** Stops accepting figures from `suite` (the runner is done with it). */
export function closeSuite (suite: string): void {
  closedSuites.add(suite)
}

export function allFigures (): BenchFigure[] {
  return figures
}

export function failedFigures (): BenchFigure[] {
  return figures.filter((f) => f.status === 'failed')
}

export function machine (): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`
}

/**
 * Writes bench-results.json (to a temporary file renamed over it, so that a kill mid-write leaves
 * the previous version). `complete` is false while suites remain or when the run was cut short.
 */
export function writeResults (file: string, run: { complete: boolean, suites: SuiteOutcome[] } = { complete: true, suites: [] }): void {
  const body = JSON.stringify({ machine: machine(), date: new Date().toISOString(), complete: run.complete, suites: run.suites, figures }, null, 2) + '\n'
  writeFileSync(`${file}.tmp`, body)
  renameSync(`${file}.tmp`, file)
}

export function readResults (file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'))
}

export function formatTable (rows: BenchFigure[]): string {
  const lines = ['| suite | figure | value | unit | reference | ratio | status |', '|---|---|---|---|---|---|---|']
  for (const f of rows) {
    const fmt = (n: number | undefined): string => n === undefined ? '' : !Number.isFinite(n) ? '—' : (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2))
    const ratio = f.ratio === undefined || !Number.isFinite(f.ratio) ? '' : f.ratio.toFixed(2) + '×'
    const status = f.status === 'failed' ? `**FAILED**: ${(f.reason ?? '').replaceAll('|', '/').replaceAll('\n', ' ')}` : 'ok'
    lines.push(`| ${f.suite} | ${f.name} | ${fmt(f.value)} | ${f.unit} | ${fmt(f.reference)} | ${ratio} | ${status} |`)
  }
  return lines.join('\n')
}

/** Percentile of a sorted copy of `samples` (p in 0..100). */
export function percentile (samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx]
}
