import type { Exchange } from '../exchange.js';

/**
 * A filter observes exchanges; `Exchange` forwards. Every hook is optional
 * and runs on the request path, so it must be cheap, must not throw and
 * must not allocate unless it needs the data (per-request state lives in
 * the exchange's slot for that filter, e.g. `mirrorBody`).
 *
 * - `onRequest`: the request is about to be forwarded (forwarded headers
 *   built, nothing sent yet). Return true to see the request body.
 * - `onRequestBody`: a chunk of the body on its way to the primary; `null`
 *   once it has all gone. It runs for every filter with the hook whenever
 *   any filter asked for the body, so each one returns at once unless its
 *   own slot says it asked (`ex.mirrorBody`, `ex.captureBody`).
 * - `onResponse`: the primary's response head arrived (status set).
 * - `onFinish`: the exchange ended, however it ended (status, error and
 *   timing are final); every exchange gets exactly one call.
 */
export interface ProxyFilter {
  onRequest?(ex: Exchange): boolean;
  onRequestBody?(ex: Exchange, chunk: Buffer | null): void;
  onResponse?(ex: Exchange): void;
  onFinish?(ex: Exchange): void;
}

/** The filters that implement each hook, in order, compiled once at startup (never per request). */
export interface FilterChain {
  readonly request: readonly ProxyFilter[];
  readonly body: readonly ProxyFilter[];
  readonly response: readonly ProxyFilter[];
  readonly finish: readonly ProxyFilter[];
}

/** Compiles the enabled filters (undefined = disabled) into fixed per-hook arrays. */
export function compileFilters(filters: ReadonlyArray<ProxyFilter | undefined>): FilterChain {
  const on = filters.filter((f): f is ProxyFilter => f !== undefined);
  return Object.freeze({
    request: Object.freeze(on.filter((f) => f.onRequest !== undefined)),
    body: Object.freeze(on.filter((f) => f.onRequestBody !== undefined)),
    response: Object.freeze(on.filter((f) => f.onResponse !== undefined)),
    finish: Object.freeze(on.filter((f) => f.onFinish !== undefined)),
  });
}
