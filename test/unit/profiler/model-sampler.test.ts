import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/index.js';
import { ModelBuilder, parseAccessLogLine } from '../../../src/profiler/index.js';
import { ModelSampler } from '../../../src/profiler/index.js';
import { generateAccessLog, SITE_USER_AGENTS } from '../../helpers/log-fixture.js';

describe('ModelSampler.sample', () => {
  it('keeps one user agent per session, crawlers on the routes their sessions start on', () => {
    const b = new ModelBuilder({ random: seededRandom(1) });
    for (const line of generateAccessLog({ sessions: 800, seed: 3, userAgents: SITE_USER_AGENTS, botShare: 0.1, malformedShare: 0 }).lines) b.add(parseAccessLogLine(line));
    const out = new ModelSampler(b.build(), 2).sample(4000);
    const bySession = new Map<number, Set<string>>();
    for (const r of out) bySession.set(r.session!, (bySession.get(r.session!) ?? new Set()).add(r.userAgent));
    for (const uas of bySession.values()) expect(uas.size).toBe(1);
    // In the log only crawler sessions start on a product page.
    const firstOf = new Map<number, (typeof out)[number]>();
    for (const r of [...out].sort((x, y) => x.ts - y.ts)) if (!firstOf.has(r.session!)) firstOf.set(r.session!, r);
    const productStarts = [...firstOf.values()].filter((r) => r.route === '/products/:id');
    expect(productStarts.length).toBeGreaterThan(10);
    expect(productStarts.every((r) => r.userAgent === 'bot')).toBe(true);
  });
});
