/**
 * Build-time stand-in (see scripts/build-browser.mjs) for abstract-level's
 * `lib/abstract-sublevel.js` (with its iterators ≈4.6 KiB minified). Parley's store keeps
 * every record in one database with its own key prefixes and never calls `db.sublevel()`;
 * doing so in the browser build throws abstract-level's own LEVEL_NOT_SUPPORTED error.
 *
 * CommonJS on purpose: abstract-level does `require('./lib/abstract-sublevel')({ AbstractLevel })`.
 */

class SublevelNotSupportedError extends Error {
  readonly code = 'LEVEL_NOT_SUPPORTED'
  constructor () {
    super('Sublevels are not supported by the Parley browser build')
    this.name = 'SublevelNotSupportedError'
  }
}

class AbstractSublevel {
  static defaults (): never { throw new SublevelNotSupportedError() }
  constructor () { throw new SublevelNotSupportedError() }
}

module.exports = () => ({ AbstractSublevel })
