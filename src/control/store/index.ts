// The controller's durable store: one SQLite file (WAL) per data directory,
// one controller per directory. No network here: the telemetry receiver, the
// HTTP API and the loops call this library.
export { ControllerStore, STORE_FILE, STORE_OWNER_FILE, type ControllerStoreOptions, type StoreHealth } from './controller-store.js';
export type { StoredDocument, VersionedDocument } from './document-store.js';
export type { EventInput, StoredEvent } from './event-store.js';
export { MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from './migrations.js';
export { DEFAULT_RETENTION, retentionPolicy, type RetentionPolicy, type RollupTier } from './retention-policy.js';
export type { PruneResult } from './store-pruner.js';
export type { AppendedWindows, PodInfo, RatePoint, Resolution, WindowBatch, WindowQuery } from './window-store.js';
