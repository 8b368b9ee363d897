/**
 * Plots of scale-simulation reports (issue #24): `npx tsx bench/simulate/plot.ts [--out-dir D]
 * report.json…`. Drawn by Chart.js in headless Chromium (the one the browser tests drive,
 * `PARLEY_CHROMIUM` or /usr/bin/chromium), written as PNG:
 * - `sim-lookups.png`: DHT lookup hops (mean, p90) and peers queried against N, with log₂ N;
 * - `sim-relay-load.png`: devices per relay of the largest run, first-found rule vs random draw;
 * - `sim-delivery.png`: delivery ratio and delay (p50, p90) against churn, one line per N.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'

interface Report {
  nodes: number
  relays: number
  lookups: { hops: { mean: number, p90: number }, queried: { mean: number }, log2N: number }
  relayLoad?: { before: { perRelay: number[], maxOverMean: number }, after: { perRelay: number[], maxOverMean: number } }
  delivery?: Array<{ churn: number, ratio: number, delayMs: { p50: number, p90: number } }>
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'out-dir': { type: 'string', default: 'docs/reliability' } } })
const reports = (await Promise.all(positionals.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as Report))).sort((a, b) => a.nodes - b.nodes)
if (reports.length === 0) throw new Error('usage: plot.ts report.json…')
const outDir = values['out-dir']
await mkdir(outDir, { recursive: true })

const charts: Record<string, unknown> = {
  'sim-lookups.png': {
    type: 'line',
    data: {
      labels: reports.map((r) => String(r.nodes)),
      datasets: [
        { label: 'hops, mean', data: reports.map((r) => r.lookups.hops.mean) },
        { label: 'hops, p90', data: reports.map((r) => r.lookups.hops.p90) },
        { label: 'log2 N', data: reports.map((r) => r.lookups.log2N), borderDash: [6, 4] },
        { label: 'peers queried, mean', data: reports.map((r) => r.lookups.queried.mean), yAxisID: 'q' }
      ]
    },
    options: { plugins: { title: { display: true, text: 'DHT lookups against network size N' } }, scales: { x: { title: { display: true, text: 'nodes' } }, y: { beginAtZero: true, title: { display: true, text: 'hops' } }, q: { position: 'right', beginAtZero: true, title: { display: true, text: 'peers queried' } } } }
  }
}
const withLoad = reports.filter((r) => r.relayLoad?.before != null).at(-1)
if (withLoad?.relayLoad != null) {
  const { before, after } = withLoad.relayLoad
  charts['sim-relay-load.png'] = {
    type: 'bar',
    data: {
      labels: before.perRelay.map((_, i) => `#${i + 1}`),
      datasets: [
        { label: `first 3 found (before): max/mean ${before.maxOverMean}`, data: before.perRelay },
        { label: `random draw among those found (after): max/mean ${after.maxOverMean}`, data: after.perRelay }
      ]
    },
    options: { plugins: { title: { display: true, text: `Devices per relay, ${withLoad.nodes} nodes, ${withLoad.relays} relays, 3 picks each (relays sorted by load)` } }, scales: { y: { beginAtZero: true, title: { display: true, text: 'devices' } } } }
  }
}
const withDelivery = reports.filter((r) => (r.delivery ?? []).length > 0)
if (withDelivery.length > 0) {
  const levels = [...new Set(withDelivery.flatMap((r) => r.delivery!.map((d) => d.churn)))].sort()
  charts['sim-delivery.png'] = {
    type: 'line',
    data: {
      labels: levels.map((l) => `${Math.round(l * 100)} %`),
      datasets: withDelivery.flatMap((r) => [
        { label: `N=${r.nodes} delivered (%)`, data: levels.map((l) => (r.delivery!.find((d) => d.churn === l)?.ratio ?? NaN) * 100), yAxisID: 'y' },
        { label: `N=${r.nodes} delay p50 (s)`, data: levels.map((l) => (r.delivery!.find((d) => d.churn === l)?.delayMs.p50 ?? NaN) / 1000), yAxisID: 'd', borderDash: [6, 4] },
        { label: `N=${r.nodes} delay p90 (s)`, data: levels.map((l) => (r.delivery!.find((d) => d.churn === l)?.delayMs.p90 ?? NaN) / 1000), yAxisID: 'd', borderDash: [2, 2] }
      ])
    },
    options: { plugins: { title: { display: true, text: 'Delivery under churn (share of devices offline, swapped every 5 s)' } }, scales: { x: { title: { display: true, text: 'devices offline' } }, y: { min: 0, max: 100, title: { display: true, text: 'delivered (%)' } }, d: { position: 'right', beginAtZero: true, title: { display: true, text: 'delay (s)' } } } }
  }
}

// the UMD build (a global `Chart`), beside the package's CommonJS entry
const chartJs = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js')
const browser = await chromium.launch({ executablePath: process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] })
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 500 } })
  for (const [file, config] of Object.entries(charts)) {
    await page.setContent('<html><body style="margin:0;background:#fff"><div style="width:900px;height:500px"><canvas id="c"></canvas></div></body></html>')
    await page.addScriptTag({ path: chartJs })
    await page.evaluate((cfg) => {
      const c = cfg as { options: Record<string, unknown> }
      const Chart = (globalThis as unknown as { Chart: new (el: unknown, config: unknown) => unknown }).Chart
      return new Chart(document.getElementById('c'), { ...c, options: { ...c.options, animation: false, responsive: true, maintainAspectRatio: false } }) != null
    }, config)
    await writeFile(join(outDir, file), await page.locator('div').screenshot())
    process.stderr.write(`wrote ${join(outDir, file)}\n`)
  }
} finally {
  await browser.close()
}
