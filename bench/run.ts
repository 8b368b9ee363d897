/**
 * `npm run bench`: runs every suite in bench/suites/ (or only those named on the command
 * line, e.g. `npm run bench -- crypto`), prints one table and writes bench-results.json.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { allFigures, formatTable, machine, writeResults } from './results.js'

const dir = new URL('./suites/', import.meta.url).pathname
const wanted = process.argv.slice(2)
const suites = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')))

for (const file of suites) {
  console.error(`# suite ${file}`)
  const mod = await import(join(dir, file)) as { run: () => Promise<void> }
  await mod.run()
}
console.log(`machine: ${machine()}`)
console.log(formatTable(allFigures()))
writeResults(new URL('../bench-results.json', import.meta.url).pathname)
console.log('wrote bench-results.json')
