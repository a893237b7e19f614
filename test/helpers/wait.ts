/**
 * Waits for a state instead of sleeping a fixed time: polls `cond` every 10 ms
 * and fails with `what` (and the last value seen, when `cond` returns one) if it
 * is not met within `ms`. The limit is a hang guard, not a timing assertion.
 */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The sum of every sample of a metric (all label sets) in a Prometheus text exposition. */
export function metricSum(text: string, name: string, labels?: RegExp): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
    if (labels && !labels.test(m[1] ?? '')) continue;
    sum += Number(m[2]);
  }
  return sum;
}
