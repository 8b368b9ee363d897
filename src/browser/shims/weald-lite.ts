/**
 * Build-time stand-in (see scripts/build-browser.mjs) for `weald`, the `debug` fork behind
 * `@libp2p/logger` (≈4.6 KiB minified with `ms`). The same logger, ported from weald 1.1's
 * browser build: namespaces enabled with `localStorage.debug = 'libp2p:*,-libp2p:dht*'` (or
 * `enable()` / `disable()` / `enabled()`), `%j` and libp2p's own formatters, `%c` colours and
 * the `+12ms` since the previous line of a namespace, written with `console.debug`. One
 * difference: a namespace's colour is a hue computed from its hash instead of an entry of
 * weald's fixed 76-colour palette.
 */
import { ms as humanize } from './ms-format.js'

type Formatter = (this: Debugger, value: any) => string

export interface Debugger {
  (...args: any[]): void
  namespace: string
  enabled: boolean
  useColors: boolean
  color: string
  diff: number
  prev?: number
  curr?: number
  log?: (...args: any[]) => void
  extend: (namespace: string, delimiter?: string) => Debugger
  destroy: () => void
}

interface DebugOptions { onLog?: (...args: any[]) => void }

const storage: Storage | undefined = (() => { try { return localStorage } catch { return undefined } })()

const useColors: boolean = typeof navigator !== 'undefined' && !/(edge|trident)\/\d+/i.test(navigator.userAgent ?? '')

function coerce (value: unknown): unknown {
  return value instanceof Error ? (value.stack ?? value.message) : value
}

function selectColor (namespace: string): string {
  let hash = 0
  for (let i = 0; i < namespace.length; i++) {
    hash = ((hash << 5) - hash) + namespace.charCodeAt(i)
    hash |= 0
  }
  return `hsl(${Math.abs(hash) % 360}, 90%, 40%)`
}

function formatArgs (this: Debugger, args: any[]): void {
  args[0] = (this.useColors ? '%c' : '') + this.namespace + (this.useColors ? ' %c' : ' ') + String(args[0]) +
    (this.useColors ? '%c ' : ' ') + '+' + humanize(this.diff)
  if (!this.useColors) return
  const c = `color: ${this.color}`
  args.splice(1, 0, c, 'color: inherit')
  // the last %c takes the namespace colour again for the "+12ms"
  let index = 0
  let lastC = 0
  ;(args[0] as string).replace(/%[a-zA-Z%]/g, (match) => {
    if (match === '%%') return match
    index++
    if (match === '%c') lastC = index
    return match
  })
  args.splice(lastC, 0, c)
}

function save (namespaces: string | undefined): void {
  try {
    if (namespaces != null && namespaces !== '') storage?.setItem('debug', namespaces)
    else storage?.removeItem('debug')
  } catch {}
}

function load (): string | undefined {
  let r: string | null | undefined
  try { r = storage?.getItem('debug') } catch {}
  const proc = (globalThis as any).process
  if ((r == null || r === '') && proc != null && typeof proc === 'object' && 'env' in proc) r = proc.env.DEBUG
  return r ?? undefined
}

function toNamespace (regexp: RegExp): string {
  const text = regexp.toString()
  return text.substring(2, text.length - 2).replace(/\.\*\?$/, '*')
}

function createDebug (namespace: string, options?: DebugOptions): Debugger {
  let prevTime: number | undefined
  let enableOverride: boolean | null = null
  let namespacesCache: string | undefined
  let enabledCache: boolean | undefined

  const debug = function (...args: any[]): void {
    if (!debug.enabled) return
    const curr = Number(new Date())
    debug.diff = curr - (prevTime ?? curr)
    debug.prev = prevTime
    debug.curr = curr
    prevTime = curr
    args[0] = coerce(args[0])
    if (typeof args[0] !== 'string') args.unshift('%O')
    let index = 0
    args[0] = (args[0] as string).replace(/%([a-zA-Z%])/g, (match: string, format: string) => {
      if (match === '%%') return '%'
      index++
      const formatter = createDebug.formatters[format]
      if (typeof formatter === 'function') {
        match = formatter.call(debug, args[index])
        args.splice(index, 1)
        index--
      }
      return match
    })
    formatArgs.call(debug, args)
    options?.onLog?.(...args)
    const logFn = debug.log ?? createDebug.log
    logFn.apply(debug, args)
  } as Debugger

  debug.namespace = namespace
  debug.useColors = useColors
  debug.color = selectColor(namespace)
  debug.diff = 0
  debug.extend = function (this: Debugger, sub: string, delimiter?: string): Debugger {
    const extended = createDebug(this.namespace + (delimiter === undefined ? ':' : delimiter) + sub)
    extended.log = this.log
    return extended
  }
  debug.destroy = destroy
  Object.defineProperty(debug, 'enabled', {
    enumerable: true,
    configurable: false,
    get: () => {
      if (enableOverride !== null) return enableOverride
      if (namespacesCache !== createDebug.namespaces) {
        namespacesCache = createDebug.namespaces
        enabledCache = createDebug.enabled(namespace)
      }
      return enabledCache
    },
    set: (v: boolean) => { enableOverride = v }
  })
  return debug
}

function enable (namespaces: string | undefined): void {
  save(namespaces)
  createDebug.namespaces = namespaces
  createDebug.names = []
  createDebug.skips = []
  for (const part of (typeof namespaces === 'string' ? namespaces : '').split(/[\s,]+/)) {
    if (part === '') continue
    const pattern = part.replace(/\*/g, '.*?')
    if (pattern[0] === '-') createDebug.skips.push(new RegExp(`^${pattern.substring(1)}$`))
    else createDebug.names.push(new RegExp(`^${pattern}$`))
  }
}

function disable (): string {
  const namespaces = [
    ...createDebug.names.map(toNamespace),
    ...createDebug.skips.map(toNamespace).map((ns) => `-${ns}`)
  ].join(',')
  createDebug.enable('')
  return namespaces
}

function enabled (name: string): boolean {
  if (name[name.length - 1] === '*') return true
  if (createDebug.skips.some((r) => r.test(name))) return false
  return createDebug.names.some((r) => r.test(name))
}

function destroy (): void {
  console.warn('Instance method `debug.destroy()` is deprecated and no longer does anything. It will be removed in the next major version of `debug`.')
}

createDebug.debug = createDebug
createDebug.default = createDebug
createDebug.coerce = coerce
createDebug.enable = enable
createDebug.disable = disable
createDebug.enabled = enabled
createDebug.humanize = humanize
createDebug.destroy = destroy
createDebug.selectColor = selectColor
createDebug.formatArgs = formatArgs
createDebug.save = save
createDebug.load = load
createDebug.useColors = () => useColors
createDebug.storage = storage
createDebug.log = (console.debug ?? console.log ?? (() => {})) as (...args: any[]) => void
createDebug.namespaces = undefined as string | undefined
createDebug.names = [] as RegExp[]
createDebug.skips = [] as RegExp[]
createDebug.formatters = {
  j (value: unknown): string {
    try {
      return JSON.stringify(value)
    } catch (error) {
      return `[UnexpectedJSONParseError]: ${(error as Error).message}`
    }
  }
} as Record<string, Formatter>

createDebug.enable(createDebug.load())

export default createDebug
