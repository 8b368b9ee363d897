import type { QuotaName } from './errors.js'

const labels = new Map<QuotaName, Record<string, string>>()

/**
 * The frozen `{ quota }` label object of `parley_relay_quota_refusals_total` for one quota (the
 * metrics registry caches the rendering of frozen label objects).
 *
 * @example
 * ```ts
 * metrics.inc('parley_relay_quota_refusals_total', quotaRefusalLabels('address_storage'))
 * ```
 */
export function quotaRefusalLabels (quota: QuotaName): Record<string, string> {
  let found = labels.get(quota)
  if (found == null) {
    found = Object.freeze({ quota })
    labels.set(quota, found)
  }
  return found
}
