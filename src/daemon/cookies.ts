/** The value of cookie `name` in a `Cookie:` header, or undefined. */
export function readCookie (header: string | undefined, name: string): string | undefined {
  if (header == null) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}
