import type { ServerResponse } from 'node:http'

/** Comment line sent this often so proxies and clients see the stream alive. @default 15000 */
export const SSE_HEARTBEAT_MS = 15_000

/** A client that lets this much unsent data pile up is dropped. @default 1 MiB */
export const SSE_MAX_BUFFERED = 1024 * 1024

/**
 * A Server-Sent Events stream (`text/event-stream`) on one response. Ends when `signal`
 * aborts, the client disconnects, or the client falls too far behind.
 *
 * @example
 * ```ts
 * const sse = new SseStream(res, { signal })
 * sse.send('message', { message })
 * await sse.closed
 * ```
 */
export class SseStream {
  private readonly res: ServerResponse
  private readonly heartbeat: ReturnType<typeof setInterval>
  private nextId = 1
  private ended = false
  /** Resolves when the stream has ended, for whatever reason. */
  readonly closed: Promise<void>

  constructor (res: ServerResponse, options: { signal: AbortSignal, heartbeatMs?: number, headers?: Record<string, string> }) {
    this.res = res
    res.writeHead(200, {
      ...options.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no'
    })
    res.flushHeaders()
    this.res.write('retry: 2000\n\n')
    this.heartbeat = setInterval(() => { this.write(': ping\n\n') }, options.heartbeatMs ?? SSE_HEARTBEAT_MS)
    this.heartbeat.unref()
    this.closed = new Promise((resolve) => {
      const finish = (): void => { this.close(); resolve() }
      res.once('close', finish)
      if (options.signal.aborted) finish()
      else options.signal.addEventListener('abort', finish, { once: true })
    })
  }

  /** Sends one event; `data` is serialised as one line of JSON. */
  send (event: string, data: unknown): void {
    this.write(`id: ${this.nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  private write (chunk: string): void {
    if (this.ended) return
    this.res.write(chunk)
    if (this.res.writableLength > SSE_MAX_BUFFERED) this.close()
  }

  /** Ends the stream. */
  close (): void {
    if (this.ended) return
    this.ended = true
    clearInterval(this.heartbeat)
    this.res.end()
  }
}
