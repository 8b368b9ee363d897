// The layer rules of docs/ARCHITECTURE.md ("Which folder may import which"), checked by
// import-x/no-restricted-paths: for each folder under src/, the folders it may import. Anything
// else under src/ is refused, type-only imports included. The root modules (src/*.ts and
// src/errors/) may be imported from anywhere and import no folder.
const FOLDERS = ['wire', 'crypto', 'identity', 'store', 'net', 'p2p', 'device', 'messenger', 'relay', 'node', 'daemon', 'cli', 'browser']

/** folder → the folders it may import (besides itself and the root modules). */
export const MAY_IMPORT = {
  wire: [],
  crypto: ['wire'],
  identity: ['crypto', 'wire'],
  store: ['crypto'],
  net: ['crypto', 'identity', 'wire'],
  p2p: ['net', 'identity', 'crypto', 'wire'],
  device: ['store', 'net', 'identity', 'crypto', 'wire'],
  messenger: ['crypto', 'identity', 'wire', 'store', 'net'],
  relay: ['net', 'p2p', 'identity', 'wire', 'crypto'],
  node: ['messenger', 'net', 'store', 'p2p', 'device', 'identity', 'crypto', 'wire'],
  daemon: ['node', 'messenger', 'store', 'net', 'identity', 'crypto', 'wire'],
  browser: ['node', 'messenger', 'store', 'p2p', 'device', 'net', 'identity', 'crypto', 'wire'],
  cli: ['daemon', 'relay']
}

/** Root entry points: `src/index.ts` may import what `node/` may, and `node/` itself. */
const ROOT_INDEX_MAY_IMPORT = [...MAY_IMPORT.node, 'node']

/** The zones for import-x/no-restricted-paths. */
export function layerZones () {
  const zones = []
  for (const folder of FOLDERS) {
    const allowed = new Set([folder, ...MAY_IMPORT[folder]])
    const refused = FOLDERS.filter((other) => !allowed.has(other))
    zones.push({
      target: `./src/${folder}`,
      from: refused.map((other) => `./src/${other}`),
      message: `src/${folder}/ may import only ${MAY_IMPORT[folder].map((f) => `src/${f}/`).join(', ') || 'no other folder'} and the root modules (docs/ARCHITECTURE.md, "Which folder may import which")`
    })
  }
  // the root modules (src/*.ts but src/index.ts, and src/errors/) import no folder
  zones.push({
    target: ['./src/!(index).ts', './src/errors'],
    from: FOLDERS.map((f) => `./src/${f}`),
    message: 'the root modules of src/ import no folder (docs/ARCHITECTURE.md)'
  })
  zones.push({
    target: './src/index.ts',
    from: FOLDERS.filter((f) => !ROOT_INDEX_MAY_IMPORT.includes(f)).map((f) => `./src/${f}`),
    message: 'src/index.ts (the Node entry) may import what src/node/ may, and src/node/ (docs/ARCHITECTURE.md)'
  })
  return zones
}
