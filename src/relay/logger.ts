import type { ComponentLogger, Logger } from '@libp2p/interface'

/** Log levels, most verbose first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

/** Fields of one log line: numbers, short strings and stable codes only — never keys or payloads. */
export type LogFields = Record<string, string | number | boolean | undefined>

/** A libp2p {@link Logger} that can also write at `warn` level (the relay's JSON logger can). */
export interface LevelLogger extends Logger {
  warn: (formatter: string, ...args: unknown[]) => void
}

/**
 * Logs at `warn` level where the logger has one (the relay's JSON logger), else as an error
 * (libp2p's debug loggers know `log`, `trace` and `error` only).
 */
export function logWarn (log: Logger, formatter: string, ...args: unknown[]): void {
  const warn = (log as Partial<LevelLogger>).warn
  if (typeof warn === 'function') warn(formatter, ...args)
  else log.error(formatter, ...args)
}

/** The message text of an error (what a `%e` shows), for log fields. */
export function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** @deprecated The relay takes a libp2p {@link ComponentLogger}; this is its old name. */
export type RelayLogger = ComponentLogger

const isFields = (v: unknown): v is LogFields => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype

/** `formatter` with its `%s %d %p %a %e %o %O %j %c` placeholders filled from `args`; a last plain object is the fields. */
function render (formatter: unknown, args: unknown[]): { msg: string, fields: LogFields } {
  const fields = args.length > 0 && isFields(args[args.length - 1]) ? args[args.length - 1] as LogFields : {}
  const values = fields === args[args.length - 1] ? args.slice(0, -1) : args
  let i = 0
  const msg = String(formatter).replace(/%([sdpaeoOjc%])/g, (match, kind: string) => {
    if (kind === '%') return '%'
    if (i >= values.length) return match
    const value = values[i++]
    if (kind === 'c') return ''
    if (value instanceof Error) return value.message
    if (kind === 'j' || kind === 'o' || kind === 'O') { try { return JSON.stringify(value) } catch { return String(value) } }
    return String(value)
  })
  return { msg, fields }
}

/**
 * libp2p {@link ComponentLogger} writing structured JSON lines, what the relay's operators see
 * (`{"t":"…","level":"info","component":"parley:relay","msg":"…",…}`): `log(…)` writes at
 * `info`, `log.trace(…)` at `debug`, `log.error(…)` at `error`, and {@link logWarn} at `warn`.
 * A last plain-object argument becomes the line's fields; `%s`-style placeholders are filled in.
 *
 * @example
 * ```ts
 * const log = jsonLogger({ level: 'info' }).forComponent('parley:relay')
 * log('relay started', { peerId: '12D3Koo…' })
 * log.trace('deposit refused', { code: 'ERR_MAILBOX_FULL' }) // only at level debug
 * ```
 */
export function jsonLogger (init: { level?: LogLevel, write?: (line: string) => void } = {}): ComponentLogger {
  const min = RANK[init.level ?? 'info']
  const write = init.write ?? ((line: string) => { process.stderr.write(line + '\n') })
  const forComponent = (component: string): LevelLogger => {
    const at = (level: Exclude<LogLevel, 'silent'>) => (formatter: unknown, ...args: unknown[]): void => {
      if (RANK[level] < min) return
      const { msg, fields } = render(formatter, args)
      write(JSON.stringify({ t: new Date().toISOString(), level, component, msg, ...fields }))
    }
    return Object.assign(at('info'), {
      trace: at('debug'),
      error: at('error'),
      warn: at('warn'),
      enabled: RANK.info >= min,
      newScope: (name: string) => forComponent(`${component}:${name}`)
    })
  }
  return { forComponent }
}

/** A logger that drops everything. */
export const silentLogger: ComponentLogger = jsonLogger({ level: 'silent' })
