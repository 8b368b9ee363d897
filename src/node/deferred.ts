/**
 * What the browser bundle loads after its first chunk, in one piece: the messenger, the fleet-
 * record rules of the DHT and the device-link server. Every lazy load of the library goes
 * through this one module (`loadDeferred` in `load-deferred.ts`), so that esbuild makes one lazy chunk of it: each
 * further `import()` target would split the first load into more chunks, which cost more gzip
 * than they move out (docs/BROWSER.md, "Bundle size"). `createParley` starts loading it while the
 * store and the node open. In Node it is an ordinary module.
 *
 * @packageDocumentation
 */
export { createMessenger, NodeMessenger, type MessengerInit } from './messenger.js'
export { fleetRecordRules } from '../identity/fleet-record.js'
export { DeviceLinkServer, encodeLinkCode } from '../device/device-link.js'
