import { ParleyError } from '../errors.js'

/**
 * An error the local API reports as `{ error: { code, message } }` with `status` as the HTTP
 * status. `code` is stable: the CLI and the web UI match on it, never on the message.
 */
export class ApiError extends ParleyError {
  static override name = 'ApiError'
  readonly status: number

  constructor (message: string, code: string, status: number, options?: { cause?: unknown }) {
    super(message, code, options)
    this.status = status
  }
}

/** No token, a wrong token, or an expired session (401). */
export class UnauthorizedError extends ApiError {
  static override name = 'UnauthorizedError'
  constructor (message = 'A valid bearer token is required') { super(message, 'ERR_UNAUTHORIZED', 401) }
}

/** The request came through a foreign Host or Origin (DNS rebinding, cross-site) (403). */
export class ForbiddenOriginError extends ApiError {
  static override name = 'ForbiddenOriginError'
  constructor (message = 'Requests must come from this daemon\'s own origin') { super(message, 'ERR_FORBIDDEN_ORIGIN', 403) }
}

/** No route has this path (404). */
export class RouteNotFoundError extends ApiError {
  static override name = 'RouteNotFoundError'
  constructor (message = 'No such route') { super(message, 'ERR_ROUTE_NOT_FOUND', 404) }
}

/** The path exists but not with this method (405). */
export class MethodNotAllowedError extends ApiError {
  static override name = 'MethodNotAllowedError'
  readonly allow: string[]
  constructor (allow: string[]) {
    super(`Method not allowed; use ${allow.join(', ')}`, 'ERR_METHOD_NOT_ALLOWED', 405)
    this.allow = allow
  }
}

/** The body is not valid JSON (400). */
export class BadJsonError extends ApiError {
  static override name = 'BadJsonError'
  constructor (message = 'The request body is not valid JSON') { super(message, 'ERR_BAD_JSON', 400) }
}

/** The body or query is well-formed JSON but not what the route takes (400). */
export class InvalidRequestError extends ApiError {
  static override name = 'InvalidRequestError'
  constructor (message: string) { super(message, 'ERR_INVALID_REQUEST', 400) }
}

/** A JSON body must be sent as `application/json` (415). */
export class UnsupportedMediaTypeError extends ApiError {
  static override name = 'UnsupportedMediaTypeError'
  constructor () { super('Send the body as application/json', 'ERR_UNSUPPORTED_MEDIA_TYPE', 415) }
}

/** The body exceeds the size limit (413). */
export class BodyTooLargeError extends ApiError {
  static override name = 'BodyTooLargeError'
  readonly limit: number
  constructor (limit: number) {
    super(`The request body exceeds ${limit} bytes`, 'ERR_BODY_TOO_LARGE', 413)
    this.limit = limit
  }
}

/** A contact, conversation or message named in the path does not exist (404). */
export class ResourceNotFoundError extends ApiError {
  static override name = 'ResourceNotFoundError'
  constructor (message: string) { super(message, 'ERR_NOT_FOUND', 404) }
}

/** The one-time login code is unknown, used or expired (401). */
export class InvalidLoginCodeError extends ApiError {
  static override name = 'InvalidLoginCodeError'
  constructor () { super('The login code is unknown, already used or expired: run `parley ui` for a new link', 'ERR_INVALID_LOGIN_CODE', 401) }
}

/** The daemon is shutting down (503). */
export class DaemonStoppingError extends ApiError {
  static override name = 'DaemonStoppingError'
  constructor () { super('The daemon is stopping', 'ERR_DAEMON_STOPPING', 503) }
}

/** The API refuses to bind a non-loopback address without an explicit override. */
export class PublicBindRefusedError extends ParleyError {
  static override name = 'PublicBindRefusedError'
  constructor (host: string) {
    super(`Refusing to serve the API on ${host}: it is for this machine only (pass --api-force-public to override)`, 'ERR_API_PUBLIC_BIND')
  }
}

/** A daemon already serves this home directory. */
export class DaemonRunningError extends ParleyError {
  static override name = 'DaemonRunningError'
  constructor (url: string) { super(`A daemon already runs for this home directory (${url})`, 'ERR_DAEMON_RUNNING') }
}

/** The API server's connection limits are out of range. */
export class InvalidApiLimitsError extends ParleyError {
  static override name = 'InvalidApiLimitsError'
  constructor (message: string) { super(message, 'ERR_INVALID_API_LIMITS') }
}
