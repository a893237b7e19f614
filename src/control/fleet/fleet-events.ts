import type { WindowRole } from '../../common/index.js';

/** What the fleet view reports as it changes (the controller stores and streams these). */
export type FleetEvent =
  | { kind: 'pod-joined'; at: number; service: string; pod: string; role: WindowRole }
  | { kind: 'pod-gone'; at: number; service: string; pod: string; lastSeen: number; silentMs: number }
  | { kind: 'pod-returned'; at: number; service: string; pod: string; silentMs: number };
