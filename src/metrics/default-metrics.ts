import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's gauges whose names end in `_total`, which Prometheus reserves for
 * counters (`promtool check metrics` rejects them). Each one is the sum over the `type`
 * label of its namesake without the suffix, which stays, so nothing is lost.
 */
const MISNAMED_GAUGES = Object.freeze([
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]);

/** prom-client's default process and Node metrics (SPEC §6), minus the misnamed ones. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_GAUGES) registry.removeSingleMetric(name);
}
