export { FleetView, type FleetOptions, type PodState, type RatePoint as FleetRatePoint, type FleetSkip } from './fleet-view.js';
export { BucketSeries, type CountBucket } from './bucket-series.js';
export type { FleetEvent } from './fleet-events.js';
