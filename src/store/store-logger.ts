import type { ComponentLogger, Logger } from '@libp2p/interface'

/**
 * The store's logger when the caller passes none: errors go to `console.error` with the
 * component name, debug and trace messages are dropped. Pass libp2p's `defaultLogger()` (or the
 * node's `components.logger`) through `OpenStoreOptions.logger` for full, `DEBUG`-gated logs.
 *
 * @example
 * ```ts
 * const log = errorOnlyLogger().forComponent('parley:store')
 * log.error('compaction failed - %e', err)
 * ```
 */
export function errorOnlyLogger (): ComponentLogger {
  const make = (name: string): Logger => {
    const log = (): void => {}
    return Object.assign(log, {
      enabled: false,
      error: (formatter: unknown, ...args: unknown[]): void => { console.error(name, formatter, ...args) },
      trace: (): void => {},
      newScope: (scope: string): Logger => make(`${name}:${scope}`)
    })
  }
  return { forComponent: make }
}
