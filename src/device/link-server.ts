/**
 * What the `deviceLink()` service loads with `import()` when it issues its first code: the link
 * server and the code format. An `import()` target keeps every export it has in the browser
 * bundle, so this module re-exports only these two of `device-link.ts` (whose `linkDevice`, the
 * new device's side, a browser does not run); docs/BROWSER.md, "Bundle size".
 */
export { DeviceLinkServer, encodeLinkCode } from './device-link.js'
