#!/usr/bin/env node
// The `parley` command. In a development checkout (src/ present) it runs the TypeScript sources
// through tsx, so a stale build can never run by mistake; an installed package (dist/ only), or
// PARLEY_USE_DIST=1 after `npm run build`, runs the compiled JavaScript.
import { existsSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'

// A long-running daemon is mostly idle: a small young generation keeps its resident memory low
// (~30 MB less) for a few more, cheap, scavenges.
if (process.argv.slice(2).includes('daemon')) setFlagsFromString('--max-semi-space-size=1')

const compiled = new URL('../dist/src/cli/main.js', import.meta.url)
const sources = new URL('../src/cli/main.ts', import.meta.url)
if (existsSync(compiled) && (process.env.PARLEY_USE_DIST === '1' || !existsSync(sources))) {
  await import(compiled.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(sources.href)
}
