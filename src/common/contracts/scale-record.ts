import { z } from 'zod';
import type { Contract } from './contract.js';

export const SCALE_RECORD_KIND = 'shadowtwin.scale-record';
export const SCALE_LOOP_STATE_KIND = 'shadowtwin.scale-loop-state';

/** What a scale round proposed: the size, the rate it planned for, how sure, and why. */
export interface ScaleProposal {
  target: string;
  current: number;
  replicas: number;
  expectedRate: number;
  horizonMs: number;
  confidence: number;
  reason: string;
  /** ISO time the proposal was made. */
  createdAt: string;
}

/** One validation run of a proposal (synthetic load against the secondary at `replicas`), summarised. */
export interface ScaleValidationSummary {
  replicas: number;
  pass: boolean;
  failed: string[];
  requests: number;
  errors: number;
  achievedRate: number;
  p99Ms: number;
}

export type ScaleDecisionKind = 'applied' | 'unchanged' | 'rejected' | 'dry-run';

/** What a scale loop records per round: proposal, validation, decision and when. */
export interface ScaleRecordDocument {
  kind: typeof SCALE_RECORD_KIND;
  version: 1;
  proposal: ScaleProposal;
  validation: ScaleValidationSummary[];
  decision: ScaleDecisionKind;
  /** What the actuator did (absent when nothing was applied). */
  applied?: string;
  /** Epoch ms the round started (its clock) and the decision was taken. */
  startedAt: number;
  decidedAt: number;
}

/** A scale loop's state: enough to resume after a restart and decide as if it had never stopped. */
export interface ScaleLoopStateDocument {
  kind: typeof SCALE_LOOP_STATE_KIND;
  version: 1;
  target: string;
  savedAt: number;
  /** The observed rate series (most recent window of it), req/s at each window's start. */
  rates: Array<{ t: number; rate: number }>;
  /** The windows' length (the series' step), once a primary window was fed. */
  rateStepMs?: number;
  /** Whether a secondary/generator window fed since the last round breached the SLO. */
  sloBreachedSinceRound: boolean;
  feedback: { headroom: number; breaches: number; forecastErrors: Array<{ horizonMs: number; error: number }> };
  recentDesired: Array<{ at: number; replicas: number }>;
  lastChangeAt?: number;
  lastForecast?: { rate: number; at: number };
  /** The most recent rounds' records, oldest first. */
  decisions: ScaleRecordDocument[];
  /** With a history and fed windows: how each forecast did at the lead time (which one covers it). */
  leadTimeScores?: { pending: Array<{ dueAt: number; short: number; history: number }>; shortError: number; historyError: number; n: number };
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const count = z.number().int().min(0);
const epochMs = z.number().min(0).max(8.64e15);

const proposalSchema = z.object({
  target: z.string().min(1).max(253),
  current: count,
  replicas: count,
  expectedRate: finite.pipe(z.number().min(0)),
  horizonMs: finite,
  confidence: z.number().min(0).max(1),
  reason: z.string().max(4096),
  createdAt: z.string().min(1),
});

const validationSchema = z.object({
  replicas: count,
  pass: z.boolean(),
  failed: z.array(z.string().max(1024)).max(100),
  requests: count,
  errors: count,
  achievedRate: z.number().min(0),
  p99Ms: z.number().min(0),
});

export const scaleRecordSchema = z.object({
  kind: z.literal(SCALE_RECORD_KIND),
  version: z.literal(1),
  proposal: proposalSchema,
  validation: z.array(validationSchema).max(100),
  decision: z.enum(['applied', 'unchanged', 'rejected', 'dry-run']),
  applied: z.string().max(4096).optional(),
  startedAt: epochMs,
  decidedAt: epochMs,
});

export const SCALE_RECORD_CONTRACT: Contract<ScaleRecordDocument> = {
  kind: SCALE_RECORD_KIND,
  version: 1,
  reads: [1],
  describe: 'a scale record (one scale round: proposal, validation, decision)',
  schema: scaleRecordSchema as z.ZodType<ScaleRecordDocument>,
};

export const scaleLoopStateSchema = z.object({
  kind: z.literal(SCALE_LOOP_STATE_KIND),
  version: z.literal(1),
  target: z.string().min(1).max(253),
  savedAt: epochMs,
  rates: z.array(z.object({ t: finite, rate: z.number().min(0) })).max(100_000),
  rateStepMs: z.number().positive().optional(),
  sloBreachedSinceRound: z.boolean(),
  feedback: z.object({
    headroom: z.number().min(0),
    breaches: count,
    forecastErrors: z.array(z.object({ horizonMs: finite, error: z.number().min(0) })).max(10_000),
  }),
  recentDesired: z.array(z.object({ at: finite, replicas: count })).max(100_000),
  lastChangeAt: finite.optional(),
  lastForecast: z.object({ rate: z.number().min(0), at: finite }).optional(),
  decisions: z.array(scaleRecordSchema).max(1000),
  leadTimeScores: z.object({
    pending: z.array(z.object({ dueAt: finite, short: z.number().min(0), history: z.number().min(0) })).max(1000),
    shortError: z.number().min(0),
    historyError: z.number().min(0),
    n: count,
  }).optional(),
});

export const SCALE_LOOP_STATE_CONTRACT: Contract<ScaleLoopStateDocument> = {
  kind: SCALE_LOOP_STATE_KIND,
  version: 1,
  reads: [1],
  describe: 'a scale loop state (exported by a scale loop, to resume after a restart)',
  schema: scaleLoopStateSchema as z.ZodType<ScaleLoopStateDocument>,
};
