import { VERSION } from '../version.js'

/** Parley's version. */
export function parleyVersion (): string {
  return VERSION
}
