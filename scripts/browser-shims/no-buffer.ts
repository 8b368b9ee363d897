/**
 * Build-time stand-in (see scripts/build-browser.mjs) for the `buffer` polyfill that
 * abstract-level and level-transcoder import. They only touch `Buffer` for level's `buffer`
 * encoding, guarded by `require('buffer') || {}`; Parley's store opens IndexedDB with the `view`
 * encoding for keys and values, so the 25 KiB polyfill (≈7.5 KiB gzip) is dead weight. Any use of
 * the `buffer` encoding would throw a TypeError at once, not corrupt data.
 */
export {}
