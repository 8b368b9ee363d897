/** Log levels, most verbose first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

/** Fields of one log line: numbers, short strings and stable codes only — never keys or payloads. */
export type LogFields = Record<string, string | number | boolean | undefined>

export interface RelayLogger {
  debug: (msg: string, fields?: LogFields) => void
  info: (msg: string, fields?: LogFields) => void
  warn: (msg: string, fields?: LogFields) => void
  error: (msg: string, fields?: LogFields) => void
}

/**
 * Structured JSON-lines logger (`{"t":"…","level":"info","component":"parley:relay","msg":"…",…}`).
 *
 * @example
 * ```ts
 * const log = jsonLogger({ level: 'info', component: 'parley:relay' })
 * log.info('deposit refused', { code: 'ERR_MAILBOX_FULL' })
 * ```
 */
export function jsonLogger (init: { level?: LogLevel, component?: string, write?: (line: string) => void } = {}): RelayLogger {
  const min = RANK[init.level ?? 'info']
  const component = init.component ?? 'parley:relay'
  const write = init.write ?? ((line: string) => { process.stderr.write(line + '\n') })
  const at = (level: Exclude<LogLevel, 'silent'>) => (msg: string, fields: LogFields = {}): void => {
    if (RANK[level] < min) return
    write(JSON.stringify({ t: new Date().toISOString(), level, component, msg, ...fields }))
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** A logger that drops everything. */
export const silentLogger: RelayLogger = jsonLogger({ level: 'silent' })
