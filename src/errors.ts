/**
 * Base class of every error Parley throws on purpose. `code` is stable: the API, the CLI and
 * tests match on it, never on the message.
 *
 * @example
 * ```ts
 * try { await node.send(...) } catch (err) {
 *   if (err instanceof ParleyError && err.code === 'ERR_FRAME_TOO_LARGE') { ... }
 * }
 * ```
 */
export class ParleyError extends Error {
  static override name = 'ParleyError'
  readonly code: string

  constructor (message: string, code: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** True when `err` is a ParleyError carrying `code`. */
export function hasCode (err: unknown, code: string): boolean {
  return err instanceof ParleyError && err.code === code
}

export * from './errors/codes.js'
