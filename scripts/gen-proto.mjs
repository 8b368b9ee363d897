#!/usr/bin/env node
// Regenerates the protons codecs for every src/wire/*.proto (`npm run proto`).
// protons 9 types bytes fields as Uint8Array<ArrayBuffer>; we loosen them to Uint8Array so that
// bytes from @noble/* (Uint8Array<ArrayBufferLike>) can be assigned without copies.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = new URL('../src/wire/', import.meta.url).pathname
const protos = readdirSync(dir).filter((f) => f.endsWith('.proto')).map((f) => join(dir, f))
execFileSync(join(dir, '../../node_modules/.bin/protons'), protos, { stdio: 'inherit' })
for (const proto of protos) {
  const ts = proto.replace(/\.proto$/, '.ts')
  writeFileSync(ts, readFileSync(ts, 'utf8').replaceAll('Uint8Array<ArrayBuffer>', 'Uint8Array'))
}
