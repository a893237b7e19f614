import { EventEmitter } from 'node:events';
import { Http1Pool, renderRequest, seededRandom } from '../common/index.js';
import { DEMO_DAY_5MIN } from './demo-day.js';

/** A scheduled event of the compressed day: extra arrivals on one route (a flash sale on checkout). */
export interface DayEvent {
  name: string;
  /** Start and length as fractions of the day (0.5 = noon). */
  at: number;
  length: number;
  method: string;
  path: string;
  /** The event adds `multiplier − 1` times the service's mean rate of arrivals on that route. */
  multiplier: number;
}

export interface TrafficDriverOptions {
  /** Where users' requests go (the sidecar in front of the primary). Never tagged as load: these play real users. */
  target: string;
  /** Real time one day takes (ms). */
  dayMs: number;
  /** Requests per second at the day's mean volume. */
  meanRate: number;
  /** Where in the day to start (fraction, default 0). */
  startAt?: number;
  /** Volume per equal step of one day (default: a real day, `DEMO_DAY_5MIN`); smoothed over `smooth` steps (default 5). */
  shape?: readonly number[];
  smooth?: number;
  events?: DayEvent[];
  seed?: number;
  connections?: number;
}

export interface DriverStats {
  sent: number;
  completed: number;
  failed: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
}

/** The steps of a shopping session: where a user goes next from each page, with probabilities (the rest leave). */
const NEXT: Record<string, Array<[string, number]>> = {
  start: [['search', 0.45], ['product', 0.55]],
  search: [['product', 0.7], ['search', 0.15]],
  product: [['product', 0.35], ['cart-add', 0.25], ['search', 0.15]],
  'cart-add': [['cart', 0.5], ['product', 0.25], ['checkout', 0.15]],
  cart: [['checkout', 0.55], ['product', 0.2]],
  checkout: [['product', 0.1]],
};

const WORDS = ['shoes', 'lamp', 'coffee', 'jacket', 'phone case', 'desk', 'kettle', 'socks'];

/**
 * Plays a day of user traffic compressed into `dayMs`: open-model Poisson
 * arrivals whose rate follows the day's shape, each arrival one step of a
 * user's session (a cookie, a walk from search to product to cart to
 * checkout), a few requests for products that do not exist (404), and
 * scheduled events adding arrivals on one route. Emits `tick` every second
 * with the time of day and the rate it is playing.
 */
export class TrafficDriver extends EventEmitter {
  private readonly pool: Http1Pool;
  private readonly host: string;
  private readonly random: () => number;
  private readonly shape: number[];
  private readonly sessions: Array<{ id: string; page: string }> = [];
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private t0 = 0;
  private nextSession = 1;
  private inFlight = 0;
  private idle: (() => void) | undefined;
  readonly stats: DriverStats = { sent: 0, completed: 0, failed: 0, byStatus: {}, byRoute: {} };

  constructor(private readonly o: TrafficDriverOptions) {
    super();
    const u = new URL(o.target);
    if (u.protocol !== 'http:') throw new RangeError('the demo driver speaks plain http');
    this.host = u.host;
    this.pool = new Http1Pool(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port || 80), o.connections ?? 32, 10_000);
    this.random = seededRandom(o.seed ?? 42);
    const raw = o.shape ?? DEMO_DAY_5MIN;
    const k = Math.max(1, o.smooth ?? 5);
    const smoothed = raw.map((_, i) => {
      let s = 0;
      for (let j = -Math.floor(k / 2); j <= Math.floor(k / 2); j++) s += raw[(i + j + raw.length) % raw.length]!;
      return s / (2 * Math.floor(k / 2) + 1);
    });
    const mean = smoothed.reduce((a, b) => a + b, 0) / smoothed.length;
    this.shape = smoothed.map((v) => v / mean);
  }

  /** The day's position (0–1) after `elapsedMs` of playing. */
  dayFraction(elapsedMs: number): number {
    return ((this.o.startAt ?? 0) + elapsedMs / this.o.dayMs) % 1;
  }

  /** Base rate (req/s) at a day fraction, interpolated between steps. */
  baseRate(frac: number): number {
    const x = frac * this.shape.length;
    const i = Math.floor(x) % this.shape.length;
    const j = (i + 1) % this.shape.length;
    const w = x - Math.floor(x);
    return this.o.meanRate * (this.shape[i]! * (1 - w) + this.shape[j]! * w);
  }

  /** Arrivals per second of the events running at a day fraction. */
  eventRate(frac: number): Array<{ ev: DayEvent; rate: number }> {
    return (this.o.events ?? []).filter((e) => frac >= e.at && frac < e.at + e.length).map((ev) => ({ ev, rate: this.o.meanRate * Math.max(0, ev.multiplier - 1) }));
  }

  /** The total rate playing at `elapsedMs`. */
  rateAt(elapsedMs: number): number {
    const f = this.dayFraction(elapsedMs);
    return this.baseRate(f) + this.eventRate(f).reduce((a, e) => a + e.rate, 0);
  }

  /** Starts playing; with `durationMs`, no arrival is scheduled after it (emits `played`). */
  start(durationMs = Infinity): void {
    this.t0 = performance.now();
    let due = this.t0;
    // Arrivals are scheduled by time, not by completions (open model); a late timer sends what is due.
    const loop = (): void => {
      const now = performance.now();
      while (due <= now) {
        if (due - this.t0 >= durationMs) { this.emit('played'); return; }
        const elapsed = due - this.t0;
        const rate = Math.max(0.01, this.rateAt(elapsed));
        this.arrive(elapsed);
        due += (-Math.log(1 - this.random()) / rate) * 1000;
      }
      this.timer = setTimeout(loop, Math.max(0, Math.min(50, due - performance.now())));
    };
    loop();
    this.ticker = setInterval(() => {
      const elapsed = performance.now() - this.t0;
      this.emit('tick', { elapsedMs: elapsed, dayFraction: this.dayFraction(elapsed), rate: this.rateAt(elapsed), events: this.eventRate(this.dayFraction(elapsed)).map((e) => e.ev.name) });
    }, 1_000);
  }

  private arrive(elapsed: number): void {
    const frac = this.dayFraction(elapsed);
    const events = this.eventRate(frac);
    const base = this.baseRate(frac);
    let pick = this.random() * (base + events.reduce((a, e) => a + e.rate, 0));
    for (const e of events) {
      if ((pick -= e.rate) < 0) { this.send(e.ev.method, e.ev.path, e.ev.path, `sid=flash-${this.nextSession++}`, e.ev.method === 'GET' ? null : Buffer.from('{"sale":true}')); return; }
    }
    this.sessionStep();
  }

  private sessionStep(): void {
    let s: { id: string; page: string };
    if (this.sessions.length > 0 && this.random() < 0.75) {
      const i = Math.floor(this.random() * this.sessions.length);
      s = this.sessions[i]!;
      let r = this.random();
      const next = NEXT[s.page]!.find(([, p]) => (r -= p) < 0)?.[0];
      if (next === undefined) { this.sessions.splice(i, 1); s = this.newSession(); } else s.page = next;
    } else s = this.newSession();
    const cookie = `sid=${s.id}`;
    switch (s.page) {
      case 'search': this.send('GET', `/search?q=${encodeURIComponent(WORDS[Math.floor(this.random() * WORDS.length)]!)}`, '/search', cookie, null); break;
      case 'product': {
        // About 1 in 50 product links is stale: the item is gone (404).
        const id = this.random() < 0.02 ? 9_001 + Math.floor(this.random() * 500) : 1 + Math.floor(this.random() * 5_000);
        this.send('GET', `/products/${id}`, '/products/:id', cookie, null);
        break;
      }
      case 'cart-add': this.send('POST', '/cart/items', '/cart/items', cookie, Buffer.from(`{"sku":${Math.floor(this.random() * 5_000)},"qty":1}`)); break;
      case 'cart': this.send('GET', '/cart', '/cart', cookie, null); break;
      case 'checkout': this.send('POST', '/checkout', '/checkout', cookie, Buffer.from('{"payment":"card","items":3}')); break;
      default: this.send('GET', `/products/${1 + Math.floor(this.random() * 5_000)}`, '/products/:id', cookie, null);
    }
  }

  private newSession(): { id: string; page: string } {
    const s = { id: `u${this.nextSession++}`, page: 'start' };
    let r = this.random();
    s.page = NEXT.start!.find(([, p]) => (r -= p) < 0)?.[0] ?? 'product';
    this.sessions.push(s);
    if (this.sessions.length > 500) this.sessions.shift();
    return s;
  }

  private send(method: string, path: string, route: string, cookie: string, body: Buffer | null): void {
    const headers: Record<string, string> = { 'user-agent': 'Mozilla/5.0 (demo user)', cookie, accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    const req = renderRequest(method, path, this.host, headers, body);
    this.stats.sent++;
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
    this.inFlight++;
    this.pool.send(req, false, (err, status) => {
      this.inFlight--;
      if (err) this.stats.failed++;
      else {
        this.stats.completed++;
        this.stats.byStatus[String(status)] = (this.stats.byStatus[String(status)] ?? 0) + 1;
      }
      if (this.inFlight === 0) this.idle?.();
    });
  }

  /** Stops sending; waits up to `graceMs` for requests in flight, then closes the connections. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, graceMs);
        this.idle = () => { clearTimeout(t); resolve(); };
      });
    }
    this.pool.close();
  }
}
