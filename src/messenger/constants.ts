/** A time later than any real one (ms since epoch, year ~37,000), for "everything due ever" queries. */
export const FAR_FUTURE_MS = 2 ** 50
