import { InvalidKeyError } from './errors.js'

/** Throws {@link InvalidKeyError} unless `bytes` is a Uint8Array of exactly `length` bytes. */
export function checkLength (bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new InvalidKeyError(`${what} must be ${length} bytes`)
  }
}
