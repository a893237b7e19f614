import type { IncomingHttpHeaders } from 'node:http';
import type { FaultRuleConfig, SidecarConfig } from '../../common/index.js';
import type { Exchange } from '../exchange.js';
import type { ProxyFilter } from './filter.js';

/** What the fault filter decided for one request; undefined means "no fault". */
export interface FaultDecision {
  /** Respond with this status instead of forwarding. */
  abortStatus?: number;
  /** Hold the request this long before forwarding (or aborting). */
  delayMs?: number;
  /** Throttle the response body to this many bytes per second. */
  rateLimitBytesPerSec?: number;
  /** For records and metrics: `abort`, `delay`, `rate_limit`, joined by `+`. */
  label: string;
  /** True when the decision occupies a maxActiveFaults slot until `release`. */
  active: boolean;
  /** A fault-control header out of bounds: answer 400 with this message, inject nothing. */
  invalid?: string;
}

/** Bounds of header-controlled values (a drill, not a way to hold connections for a day). */
export const FAULT_HEADER_BOUNDS = {
  // An abort answers an error (JSON body, x-shadowtwin-error): a 2xx/3xx is not an abort.
  abortStatus: { min: 400, max: 599, integer: true },
  percent: { min: 0, max: 100, integer: false },
  delayMs: { min: 0, max: 60_000, integer: false },
  throughputKbps: { min: 1, max: 10_000_000, integer: false },
} as const;

type Bound = (typeof FAULT_HEADER_BOUNDS)[keyof typeof FAULT_HEADER_BOUNDS];
const NUMBER = /^\d+(\.\d+)?$/;

class InvalidFaultHeader extends Error {}

/** Envoy-compatible request headers (x-envoy-fault-* → x-shadowtwin-fault-*). */
export const FAULT_HEADERS = {
  abort: 'x-shadowtwin-fault-abort-request',
  abortPercent: 'x-shadowtwin-fault-abort-request-percentage',
  delay: 'x-shadowtwin-fault-delay-request',
  delayPercent: 'x-shadowtwin-fault-delay-request-percentage',
  throughput: 'x-shadowtwin-fault-throughput-response',
  throughputPercent: 'x-shadowtwin-fault-throughput-response-percentage',
} as const;

interface CompiledRule {
  rule: FaultRuleConfig;
  routes: Set<string>;
  prefixes: string[];
  methods: Set<string> | undefined;
  headers: Array<[string, string]>;
}

function compile(rule: FaultRuleConfig): CompiledRule {
  const routes = new Set<string>();
  const prefixes: string[] = [];
  for (const r of rule.match.routes ?? []) {
    if (r.endsWith('*')) prefixes.push(r.slice(0, -1));
    else routes.add(r);
  }
  return {
    rule,
    routes,
    prefixes,
    methods: rule.match.methods ? new Set(rule.match.methods) : undefined,
    headers: Object.entries(rule.match.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  };
}

/** A header-controlled value: absent → undefined; present but not a number within bounds → InvalidFaultHeader. */
function headerNumber(headers: IncomingHttpHeaders, name: string, bound: Bound): number | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  const text = typeof v === 'string' ? v.trim() : '';
  const n = NUMBER.test(text) ? Number(text) : NaN;
  if (!(n >= bound.min && n <= bound.max) || (bound.integer && !Number.isInteger(n))) {
    throw new InvalidFaultHeader(`${name}: ${JSON.stringify(v)} is not ${bound.integer ? 'an integer' : 'a number'} from ${bound.min} to ${bound.max}`);
  }
  return n;
}

/**
 * Fault injection for drills, off by default. Settings are compiled once;
 * per request it is a few set look-ups and one random draw per fault kind.
 * Header-controlled faults apply only when `headerControl` is on.
 * `decide` runs before anything else of an exchange (a fault can refuse,
 * delay or answer instead of forwarding, so it is the exchange's first step
 * rather than an observing hook); `onFinish` frees its `maxActiveFaults` slot.
 */
export class FaultFilter implements ProxyFilter {
  private readonly rules: CompiledRule[];
  private readonly headerControl: boolean;
  private readonly maxActive: number;
  private readonly random: () => number;
  private readonly onSkip: () => void;
  private activeFaults = 0;

  constructor(cfg: SidecarConfig['faults'], random: () => number = Math.random, onSkip: () => void = () => undefined) {
    this.onSkip = onSkip;
    this.rules = cfg.rules.map(compile);
    this.headerControl = cfg.headerControl;
    this.maxActive = cfg.maxActiveFaults;
    this.random = random;
  }

  get active(): number {
    return this.activeFaults;
  }

  private hit(percent: number): boolean {
    return percent >= 100 || (percent > 0 && this.random() * 100 < percent);
  }

  decide(route: string, method: string, path: string, headers: IncomingHttpHeaders): FaultDecision | undefined {
    let abortStatus: number | undefined;
    let delayMs: number | undefined;
    let rate: number | undefined;

    const rule = this.rules.find((r) => matches(r, route, method, path, headers))?.rule;
    if (rule) {
      if (rule.delay && this.hit(rule.delay.percent)) delayMs = rule.delay.fixed + (rule.delay.jitter > 0 ? this.random() * rule.delay.jitter : 0);
      if (rule.abort && this.hit(rule.abort.percent)) abortStatus = rule.abort.status;
      if (rule.responseRateLimit && this.hit(rule.responseRateLimit.percent)) rate = rule.responseRateLimit.kbps * 1024;
    }
    if (this.headerControl) {
      const B = FAULT_HEADER_BOUNDS;
      try {
        // Every value is validated before any is drawn, so a bad one is refused whatever the dice say.
        const abort = headerNumber(headers, FAULT_HEADERS.abort, B.abortStatus);
        const abortPct = headerNumber(headers, FAULT_HEADERS.abortPercent, B.percent);
        const delay = headerNumber(headers, FAULT_HEADERS.delay, B.delayMs);
        const delayPct = headerNumber(headers, FAULT_HEADERS.delayPercent, B.percent);
        const kbps = headerNumber(headers, FAULT_HEADERS.throughput, B.throughputKbps);
        const kbpsPct = headerNumber(headers, FAULT_HEADERS.throughputPercent, B.percent);
        if (abort !== undefined && this.hit(abortPct ?? 100)) abortStatus = abort;
        if (delay !== undefined && delay > 0 && this.hit(delayPct ?? 100)) delayMs = delay;
        if (kbps !== undefined && this.hit(kbpsPct ?? 100)) rate = kbps * 1024;
      } catch (err) {
        if (!(err instanceof InvalidFaultHeader)) throw err;
        return { label: 'invalid', active: false, invalid: err.message };
      }
    }
    if (abortStatus === undefined && delayMs === undefined && rate === undefined) return undefined;

    // Delays and throttles hold resources; cap how many run at once (Envoy max_active_faults).
    const holds = delayMs !== undefined || rate !== undefined;
    if (holds && this.activeFaults >= this.maxActive) {
      this.onSkip();
      return undefined;
    }
    if (holds) this.activeFaults++;
    const label = [abortStatus !== undefined && 'abort', delayMs !== undefined && 'delay', rate !== undefined && 'rate_limit'].filter(Boolean).join('+');
    return { abortStatus, delayMs, rateLimitBytesPerSec: rate, label, active: holds };
  }

  onFinish(ex: Exchange): void {
    if (ex.fault !== undefined) this.release(ex.fault);
  }

  release(decision: FaultDecision): void {
    if (decision.active) {
      decision.active = false;
      this.activeFaults--;
    }
  }
}

function matches(r: CompiledRule, route: string, method: string, path: string, headers: IncomingHttpHeaders): boolean {
  if (r.methods && !r.methods.has(method)) return false;
  if (r.routes.size > 0 || r.prefixes.length > 0) {
    if (!r.routes.has(route) && !r.prefixes.some((p) => path.startsWith(p))) return false;
  }
  for (const [name, want] of r.headers) {
    const got = headers[name];
    if (got === undefined) return false;
    if (want !== '*' && got !== want) return false;
  }
  return true;
}
