#!/usr/bin/env node
// The `parley` command. In a development checkout (src/ present) it runs the TypeScript sources
// through tsx, so a stale build can never run by mistake; an installed package (dist/ only), or
// PARLEY_USE_DIST=1 after `npm run build`, runs the compiled JavaScript.
import { existsSync } from 'node:fs'
import module from 'node:module'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'

// libp2p 3 needs Node 22 (Promise.withResolvers, a global WebSocket…). Say so before anything
// that needs it is imported: the static imports above load on any Node.
const MIN_NODE_MAJOR = 22
if (Number(process.versions.node.split('.')[0]) < MIN_NODE_MAJOR) {
  process.stderr.write(`parley needs Node ${MIN_NODE_MAJOR} or newer (this is ${process.version}); run it through npm (npm start, npx parley), which uses the project's pinned Node\n`)
  process.exit(2)
}

/** The subcommand: the first word that is neither an option nor the value of a global option. */
function subcommand (args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--home' || args[i] === '--passphrase-file') { i++; continue }
    if (!args[i].startsWith('-')) return args[i]
  }
  return undefined
}
const command = subcommand(process.argv.slice(2))
// A long-running daemon is mostly idle: a small young generation keeps its resident memory low
// (~30 MB less) for a few more, cheap, scavenges.
if (command === 'daemon') setFlagsFromString('--max-semi-space-size=1')

// A relay is busy but must stay small with a million envelopes held. V8 sizes the young
// generation at start (128 MB on a large machine; a runtime flag cannot shrink it), lets the old
// generation grow to several times its live size between full collections, and glibc gives
// each LevelDB worker thread its own malloc arena: the relay re-executes itself once (same PID,
// process.execve) with an 8 MB semi-space, old-generation growth limited to 50 % per step and
// two arenas. Measured at 300k envelopes held: 224 MiB resident instead of 334 MiB, for a few
// per cent of deposit throughput (docs/RELAY.md, "Memory and throughput").
if (command === 'relay' && process.env.PARLEY_RELAY_TUNED !== '1' && process.platform !== 'win32' && typeof process.execve === 'function') {
  // flags given on the command line or in NODE_OPTIONS win over these
  const given = (flag) => process.execArgv.some((f) => f.startsWith(flag)) || (process.env.NODE_OPTIONS ?? '').includes(flag)
  const flags = [
    ...(given('--max-semi-space-size') ? [] : ['--max-semi-space-size=8']),
    ...(given('--heap-growing-percent') ? [] : ['--heap-growing-percent=50'])
  ]
  try {
    process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], {
      ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', PARLEY_RELAY_TUNED: '1'
    })
  } catch (err) {
    // e.g. under --permission without --allow-child-process: run untuned rather than not at all
    process.emitWarning(`relay runs without its memory tuning: ${err.message}`)
  }
}

// Start-up is mostly loading ~1,150 modules (libp2p and its dependencies): keep V8's compiled
// code on disk (docs/PERFORMANCE.md, "Daemon start"). The cache lives in the user's own cache
// folder, never a shared temporary one (compiled code is code), and Node checks each entry
// against its source; NODE_COMPILE_CACHE picks another folder, NODE_DISABLE_COMPILE_CACHE=1 none.
if (typeof module.enableCompileCache === 'function' && process.env.NODE_DISABLE_COMPILE_CACHE == null) {
  const cacheHome = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache')
  try { module.enableCompileCache(process.env.NODE_COMPILE_CACHE ?? join(cacheHome, 'parley', 'node-compile-cache')) } catch { /* no cache: a slower start, nothing else */ }
}

const compiled = new URL('../dist/src/cli/main.js', import.meta.url)
const sources = new URL('../src/cli/main.ts', import.meta.url)
if (existsSync(compiled) && (process.env.PARLEY_USE_DIST === '1' || !existsSync(sources))) {
  await import(compiled.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(sources.href)
}
