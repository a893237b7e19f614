import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamSet } from '../../../src/proxy/index.js';

const pool = { connectTimeout: 100, responseTimeout: 100, bodyTimeout: 100, connectionsPerHost: 1, keepAliveTimeout: 100 };

describe('upstream membership set', () => {
  const sets: UpstreamSet[] = [];
  afterEach(async () => { for (const s of sets.splice(0)) await s.destroy(); });
  const make = (origins: string[], consecutiveFailures = 2, baseTime = 1000): UpstreamSet => {
    const s = new UpstreamSet(origins, pool, { consecutiveFailures, baseTime, maxTime: 2500 });
    sets.push(s);
    return s;
  };

  it('round-robins', () => {
    const s = make(['http://a:1', 'http://b:1', 'http://c:1']);
    expect(Array.from({ length: 6 }, () => s.pick()!.origin)).toEqual(['http://a:1', 'http://b:1', 'http://c:1', 'http://a:1', 'http://b:1', 'http://c:1']);
  });

  it('ejects after consecutive failures with growing, capped ejection time; a success resets the streak', () => {
    const s = make(['http://a:1', 'http://b:1']);
    const events: string[] = [];
    s.on('ejected', (o: string, ms: number) => events.push(`${o} ${ms}`));
    const a = s.pick()!;
    s.reportFailure(a);
    s.reportSuccess(a);
    s.reportFailure(a);
    expect(a.healthy(Date.now())).toBe(true);
    s.reportFailure(a);
    expect(a.healthy(Date.now())).toBe(false);
    expect(Array.from({ length: 4 }, () => s.pick()!.origin)).toEqual(Array(4).fill('http://b:1'));
    a.ejectedUntil = Date.now() - 1; // time passes
    s.reportFailure(a); s.reportFailure(a);
    a.ejectedUntil = Date.now() - 1;
    s.reportFailure(a); s.reportFailure(a);
    expect(events).toEqual(['http://a:1 1000', 'http://a:1 2000', 'http://a:1 2500']);
  });

  it('routes to everyone when all hosts are ejected (panic) and excludes a host on retry', () => {
    const s = make(['http://a:1', 'http://b:1'], 1);
    for (const m of [s.pick()!, s.pick()!]) s.reportFailure(m);
    expect(s.view().every((m) => !m.healthy)).toBe(true);
    // Panic: every host is ejected, so traffic spreads over all of them rather than none.
    expect(new Set(Array.from({ length: 6 }, () => s.pick()!.origin))).toEqual(new Set(['http://a:1', 'http://b:1']));
    const s2 = make(['http://a:1', 'http://b:1']);
    const a = s2.pick()!;
    expect(s2.pick(a)!.origin).toBe('http://b:1');
    expect(s2.pick(a)!.origin).toBe('http://b:1');
  });

  it('keeps state of hosts that stay in the set when the set changes', async () => {
    const s = make(['http://a:1', 'http://b:1']);
    const a = s.pick()!;
    s.reportFailure(a);
    await s.setMembers(['http://a:1', 'http://c:1']);
    expect(s.origins()).toEqual(['http://a:1', 'http://c:1']);
    expect(s.view()[0]!.failures).toBe(1);
    await s.setMembers([]);
    expect(s.pick()).toBeUndefined();
  });
});
