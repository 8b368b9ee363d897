import { InvalidRequestError } from './errors.js'

/** A parsed JSON body that must be an object. */
export type JsonObject = Record<string, unknown>

/** Checks that `body` is a JSON object. */
export function object (body: unknown): JsonObject {
  if (body == null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequestError('The body must be a JSON object')
  return body as JsonObject
}

/** A required string field (non-empty, at most `max` characters). */
export function requiredString (body: JsonObject, field: string, max = 4096): string {
  const value = body[field]
  if (typeof value !== 'string' || value === '') throw new InvalidRequestError(`"${field}" must be a non-empty string`)
  if (value.length > max) throw new InvalidRequestError(`"${field}" is longer than ${max} characters`)
  return value
}

/** An optional string field. */
export function optionalString (body: JsonObject, field: string, max = 4096): string | undefined {
  if (body[field] === undefined || body[field] === null) return undefined
  return requiredString(body, field, max)
}

/** An optional boolean field. */
export function optionalBoolean (body: JsonObject, field: string): boolean | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw new InvalidRequestError(`"${field}" must be a boolean`)
  return value
}

/** An optional integer field within [min, max]. */
export function optionalInteger (body: JsonObject, field: string, min: number, max: number): number | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRequestError(`"${field}" must be an integer from ${min} to ${max}`)
  }
  return value
}

/** A required array of non-empty strings (1 to `max` items). */
export function stringArray (body: JsonObject, field: string, max = 1000): string[] {
  const value = body[field]
  if (!Array.isArray(value) || value.length === 0 || value.length > max || !value.every((v) => typeof v === 'string' && v !== '' && v.length <= 256)) {
    throw new InvalidRequestError(`"${field}" must be an array of 1 to ${max} non-empty strings`)
  }
  return value as string[]
}

/** Pagination from the query string: `limit` (1–500, default 50) and `cursor`. */
export function pageQuery (query: URLSearchParams): { limit: number, cursor?: string } {
  const raw = query.get('limit')
  let limit = 50
  if (raw != null) {
    limit = Number(raw)
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new InvalidRequestError('"limit" must be an integer from 1 to 500')
  }
  const cursor = query.get('cursor') ?? undefined
  return cursor != null && cursor !== '' ? { limit, cursor } : { limit }
}
