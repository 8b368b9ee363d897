import { writeFileSync, readFileSync } from 'node:fs'
import os from 'node:os'

/** One measured figure; `reference`/`ratio` when a reference was measured in the same run. */
export interface BenchFigure {
  suite: string
  name: string
  value: number
  unit: string
  reference?: number
  ratio?: number
}

const figures: BenchFigure[] = []

export function record (figure: BenchFigure): void {
  if (figure.reference !== undefined && figure.ratio === undefined && figure.reference !== 0) {
    figure.ratio = figure.value / figure.reference
  }
  figures.push(figure)
}

export function allFigures (): BenchFigure[] {
  return figures
}

export function machine (): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`
}

export function writeResults (file: string): void {
  writeFileSync(file, JSON.stringify({ machine: machine(), date: new Date().toISOString(), figures }, null, 2) + '\n')
}

export function readResults (file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'))
}

export function formatTable (rows: BenchFigure[]): string {
  const lines = ['| suite | figure | value | unit | reference | ratio |', '|---|---|---|---|---|---|']
  for (const f of rows) {
    const fmt = (n: number | undefined): string => n === undefined ? '' : (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2))
    lines.push(`| ${f.suite} | ${f.name} | ${fmt(f.value)} | ${f.unit} | ${fmt(f.reference)} | ${f.ratio === undefined ? '' : f.ratio.toFixed(2) + '×'} |`)
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
