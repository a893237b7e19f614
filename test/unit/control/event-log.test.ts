import { describe, expect, it } from 'vitest';
import { EventLog } from '../../../src/control/events/event-log.js';

describe('event log', () => {
  it('numbers events, keeps the newest `capacity`, and says when a resume point was evicted', () => {
    const log = new EventLog(3);
    for (let i = 0; i < 5; i++) log.append({ at: i, kind: 'tick', data: { i } });
    expect(log.latestId).toBe(5);
    expect(log.since(0)).toMatchObject({ complete: false });
    expect(log.since(0).events.map((e) => e.id)).toEqual([3, 4, 5]);
    expect(log.since(2)).toMatchObject({ complete: true });
    expect(log.since(3).events.map((e) => e.id)).toEqual([4, 5]);
    expect(log.since(5).events).toEqual([]);
    expect(log.since(4, 1).events.map((e) => e.id)).toEqual([5]);
  });

  it('takes the store\'s ids when given and refuses one that goes backwards', () => {
    const log = new EventLog(10, 40);
    expect(log.append({ id: 42, at: 0, kind: 'a', data: {} }).id).toBe(42);
    expect(log.append({ at: 0, kind: 'b', data: {} }).id).toBe(43);
    expect(() => log.append({ id: 43, at: 0, kind: 'c', data: {} })).toThrow(/not after 43/);
  });

  it('a listener that throws is removed; the others still get every event', () => {
    const log = new EventLog();
    const got: number[] = [];
    log.subscribe(() => { throw new Error('bad listener'); });
    const off = log.subscribe((e) => got.push(e.id));
    log.append({ at: 0, kind: 'a', data: {} });
    log.append({ at: 0, kind: 'b', data: {} });
    expect(got).toEqual([1, 2]);
    expect(log.listenerFailures).toBe(1);
    expect(log.subscribers).toBe(1);
    off();
    expect(log.subscribers).toBe(0);
  });
});
