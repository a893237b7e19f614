import { EventEmitter } from 'node:events';
import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { HistogramDump } from '../common/index.js';
import {
  errorBody, findSameEndpoint, formatHostPort, RouteNormalizer, type RouteStatsTable, ShadowtwinError, silentLogger, VERSION,
  type ErrorCode, type Logger, type RequestRecord, type SidecarConfig, type WindowSource,
} from '../common/index.js';
import { createAdminServer } from './admin-server.js';
import { CaptureWriter, ShortWriteError } from './capture-writer.js';
import { DeadlineList } from './deadline-list.js';
import { CLIENT_ERROR, Exchange, type ClientErrorMark, type ProxyContext } from './exchange.js';
import { CaptureFilter } from './filters/capture.js';
import { FaultFilter } from './filters/fault.js';
import { compileFilters } from './filters/filter.js';
import { MirrorFilter } from './filters/mirror.js';
import { childCache, createHotTotals, createProxyMetrics, type ProxyMetrics } from './metrics.js';
import type { SidecarEvents } from './sidecar-events.js';
import { warmUpSidecar } from './warm-up.js';
import { UpstreamSet } from './upstream-set.js';
import { WindowAggregator } from './window-aggregator.js';
import { createUpgradeHandler } from './websocket.js';

/** Marks the throwaway warm-up sidecar, which mirrors to its own loopback sink (module-private). */
const WARM_UP_INSTANCE = Symbol('warm-up instance');

export interface SidecarOptions {
  [WARM_UP_INSTANCE]?: true;
  logger?: Logger;
  /** Source of randomness for sampling and fault draws (tests pass a seeded one). */
  random?: () => number;
  /** Node's process metrics on /metrics (default true; the warm-up's throwaway sidecar has none). */
  defaultMetrics?: boolean;
}

export interface SidecarAddresses {
  /** `http://host:port` of the data port. */
  proxy: string;
  admin: string;
}

/** What the admin /histograms serves: declared by the histograms contract (src/common/contracts/histograms.ts). */
export type { HistogramDump };

/**
 * The sidecar: a data-port server that forwards to the primary's membership
 * set, with capture, mirror and fault filters, and an admin server.
 * Events: `SidecarEvents` (sidecar-events.ts). Every `capture.window` it
 * emits one `window` (a `WindowDocument`) per side that saw requests: the
 * primary side (role primary) and the secondary side of mirroring (role
 * secondary), both with source `{service, pod}` from the config.
 */
export class Sidecar extends EventEmitter<SidecarEvents> {
  readonly config: SidecarConfig;
  readonly metrics: ProxyMetrics;
  readonly upstreams: UpstreamSet;
  /** The primary side's windows (what the clients got). */
  readonly aggregator: WindowAggregator;
  /** The secondary side's windows (what the secondary answered to the shadow copies). */
  readonly secondaryWindows: WindowAggregator;
  readonly capture: CaptureFilter;
  private readonly log: Logger;
  private readonly ctx: ProxyContext;
  private readonly server: Server;
  private readonly admin: Server;
  private readonly writer: CaptureWriter | undefined;
  private readonly mirror: MirrorFilter | undefined;
  private readonly upgrades: ReturnType<typeof createUpgradeHandler>;
  private windowTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private addressesValue: SidecarAddresses | undefined;
  private stopping: Promise<void> | undefined;
  private readonly warmUpInstance: boolean;

  constructor(config: SidecarConfig, options: SidecarOptions = {}) {
    super();
    this.config = config;
    this.log = options.logger ?? silentLogger();
    this.warmUpInstance = options[WARM_UP_INSTANCE] === true;
    const random = options.random ?? Math.random;
    const totals = createHotTotals();
    const metrics = (this.metrics = createProxyMetrics({
      members: () => this.upstreams.size,
      health: () => this.upstreams.view(),
      totals,
    }, undefined, options.defaultMetrics !== false));
    const up = config.upstream;
    this.upstreams = new UpstreamSet(config.primary, {
      connectTimeout: up.connectTimeout, responseTimeout: up.responseTimeout, bodyTimeout: up.bodyTimeout,
      connectionsPerHost: up.connectionsPerHost, keepAliveTimeout: up.keepAliveTimeout,
    }, up.ejection);
    this.upstreams.on('ejected', (origin: string, ms: number) => {
      metrics.upstreamEjections.labels(origin).inc();
      this.log.warn({ upstream: origin, ejectedForMs: ms }, 'primary host ejected after consecutive failures');
      this.emit('ejected', origin, ms);
    });
    this.upstreams.on('restored', (origin: string) => this.emit('restored', origin));
    this.upstreams.on('change', (origins: string[]) => this.emit('membership', origins));

    const source = (role: WindowSource['role']): WindowSource => ({ service: config.service, pod: config.pod, role });
    this.aggregator = new WindowAggregator(source('primary'), config.capture.maxRoutes);
    this.secondaryWindows = new WindowAggregator(source('secondary'), config.capture.maxRoutes);
    this.aggregator.on('window', (w) => this.emit('window', w));
    this.secondaryWindows.on('window', (w) => this.emit('window', w));
    if (config.capture.file) {
      this.writer = new CaptureWriter({
        file: config.capture.file, mode: config.capture.mode, rotateBytes: config.capture.rotateBytes,
        maxFiles: config.capture.maxFiles, gzip: config.capture.gzip, queueLimit: config.capture.queueLimit,
        flushInterval: config.capture.flushInterval, toolVersion: VERSION, source: 'sidecar',
        keys: { sessionCookie: config.capture.sessionCookie, sessionHeader: config.capture.sessionHeader, clientHeader: config.capture.clientHeader, geoHeader: config.capture.geoHeader },
      }, {
        written: (n, bytes) => { metrics.captureWritten.inc(n); metrics.captureBytes.inc(bytes); },
        dropped: (reason, n) => metrics.captureDropped.labels(reason).inc(n),
        error: (err) => {
          this.log.error({ err: err.message, code: 'ST_ERR_CAPTURE_WRITE_FAILED', file: config.capture.file }, err instanceof ShortWriteError
            ? 'capture file: the disk took only part of a write (full?); the file was cut back to its last complete line, records are dropped and counted (shadowtwin_capture_records_dropped_total{reason="short_write"}) until space returns'
            : 'capture write failed; records are dropped and counted until it recovers');
          // Non-fatal: only for listeners (an unheard 'error' would throw).
          if (this.listenerCount('error') > 0) this.emit('error', err);
        },
        movedAside: (file, to, why) => this.log.warn({ file, movedTo: to, why }, 'capture file from an earlier run moved aside; a new file is started so modes never mix'),
      });
    }
    this.capture = new CaptureFilter(config.capture, this.aggregator, this.writer);
    // Forwarded only while the sidecar has `record` listeners: a listener is a consumer,
    // and capture builds full records only for consumers.
    const forward = (r: RequestRecord): void => { this.emit('record', r); };
    const events = this as EventEmitter;
    events.on('newListener', (name: string | symbol) => { if (name === 'record' && this.listenerCount('record') === 0) this.capture.on('record', forward); });
    events.on('removeListener', (name: string | symbol) => { if (name === 'record' && this.listenerCount('record') === 0) this.capture.off('record', forward); });

    const labelled = new Set<string>();
    const maxRoutes = config.capture.maxRoutes;
    const routeLabel = (route: string): string => {
      if (labelled.has(route)) return route;
      if (labelled.size >= maxRoutes) return 'other';
      labelled.add(route);
      return route;
    };
    if (config.secondary && config.mirror.fraction > 0) {
      this.mirror = new MirrorFilter(config.secondary, config.mirror, { metrics, totals, windows: this.secondaryWindows, random, routeLabel });
    }
    const faults = config.faults.enabled ? new FaultFilter(config.faults, random, () => metrics.faultsSkipped.inc()) : undefined;

    const durationChild = childCache(metrics.requestDuration);
    this.ctx = {
      upstreams: this.upstreams,
      metrics,
      totals,
      normalizer: new RouteNormalizer({ routes: config.capture.routes }),
      faults,
      // Order: mirror copies the body before capture keeps its part; faults free their slot before capture records.
      filters: compileFilters([this.mirror, faults, this.capture]),
      maxBodyBytes: config.server.maxBodyBytes,
      responseDeadlines: up.responseTimeout > 0 ? new DeadlineList(up.responseTimeout) : undefined,
      bodyDeadlines: up.bodyTimeout > 0 ? new DeadlineList(up.bodyTimeout) : undefined,
      log: this.log,
      refuseTagged: config.role === 'primary',
      draining: false,
      live: new Set(),
      onIdle: undefined,
      routeLabel,
      durationChild: (route, method, status) => durationChild(route, method, String(status)),
    };

    const srv = config.server;
    this.server = createServer({
      headersTimeout: srv.headersTimeout,
      requestTimeout: srv.requestTimeout,
      keepAliveTimeout: srv.keepAliveTimeout,
      maxHeaderSize: srv.maxHeaderBytes,
      // Node checks header/request timeouts on this interval (default 30 s); slowloris needs it tight.
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(srv.headersTimeout / 4))),
    }, (req, res) => new Exchange(this.ctx, req, res).start());
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.onClientError(err, socket));
    this.server.on('connect', (_req: unknown, socket: Socket) => this.onConnectMethod(socket));
    this.upgrades = createUpgradeHandler(this.upstreams, this.log, config.role === 'primary' ? () => metrics.clientErrors.labels('loop').inc() : undefined);
    this.server.on('upgrade', this.upgrades.handler);

    this.admin = createAdminServer({
      registry: metrics.registry,
      ready: () => !this.ctx.draining && this.addressesValue !== undefined,
      config: () => redactedConfig(config),
      membership: () => this.upstreams.view(),
      setMembership: async (origins) => {
        await this.setMembership(origins);
        return this.upstreams.view();
      },
      histograms: () => this.histograms(),
      stats: () => ({
        inFlight: this.ctx.totals.inFlight,
        activeFaults: this.ctx.faults?.active ?? 0,
        mirror: this.mirror ? { inFlight: this.mirror.writer.inFlight, queued: this.mirror.writer.queued, circuitOpen: this.mirror.writer.circuitOpen } : null,
        capturePending: this.writer?.pending ?? 0,
        uptimeSeconds: (Date.now() - this.startedAt) / 1000,
      }),
    }, config.admin.token);
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    let status = 400;
    let code: ErrorCode = 'ST_ERR_PROXY_BAD_REQUEST';
    let reason = 'malformed';
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431; code = 'ST_ERR_PROXY_HEADERS_TOO_LARGE'; reason = 'headers_too_large';
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408; code = 'ST_ERR_PROXY_REQUEST_TIMEOUT'; reason = 'timeout';
    } else if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    this.metrics.clientErrors.labels(reason).inc();
    // An exchange already running on this socket (the parser failed in its body) records this answer.
    (socket as Socket & { [CLIENT_ERROR]?: ClientErrorMark })[CLIENT_ERROR] = { status, code };
    const body = errorBody(code, status === 400 ? `malformed HTTP request (${err.code ?? err.message}); it was not forwarded` : err.message);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-shadowtwin-error: ${code}\r\nconnection: close\r\n\r\n${body}`);
  }

  /** CONNECT (tunnelling) is not proxied: the sidecar forwards only to its primary. */
  private onConnectMethod(socket: Socket): void {
    this.metrics.clientErrors.labels('method_not_allowed').inc();
    const code = 'ST_ERR_PROXY_METHOD_NOT_ALLOWED';
    const body = errorBody(code, 'CONNECT is not supported: this sidecar forwards requests to its primary and is not a tunnelling proxy');
    socket.on('error', () => undefined);
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-shadowtwin-error: ${code}\r\nconnection: close\r\n\r\n${body}`);
  }

  get addresses(): SidecarAddresses {
    if (!this.addressesValue) throw new Error('sidecar not started');
    return this.addressesValue;
  }

  get inFlight(): number {
    return this.ctx.totals.inFlight;
  }

  async start(): Promise<SidecarAddresses> {
    // The warm-up's throwaway sidecar mirrors to its own sink on purpose; every other one is checked.
    if (!this.warmUpInstance) {
      await assertNotSecondary(this.config.primary, this.config.secondary);
      await assertNotSelf(this.config.listen, this.config.secondary);
    }
    if (this.config.server.warmUp) await this.warmUp();
    await this.writer?.start();
    const proxy = await listen(this.server, this.config.listen, 'data port (listen)');
    let admin: string;
    try {
      admin = await listen(this.admin, this.config.admin.listen, 'admin port (admin.listen)');
    } catch (err) {
      this.server.close();
      throw err;
    }
    this.windowTimer = setInterval(() => this.rotateWindows(), this.config.capture.window);
    this.windowTimer.unref();
    this.addressesValue = { proxy, admin };
    this.log.info({ proxy, admin, primary: this.config.primary, secondary: this.config.secondary ?? null, mirror: this.config.mirror.fraction }, 'sidecar listening');
    return this.addressesValue;
  }

  /**
   * Our request path, warmed on a throwaway sidecar with this one's settings
   * (no capture file, no faults, no real upstreams) before the data port
   * opens: the first second through a cold sidecar is hundreds of ms slow.
   */
  private async warmUp(): Promise<void> {
    const t0 = performance.now();
    const c = this.config;
    const loopback = { host: '127.0.0.1', port: 0 };
    // An optimisation only: if it fails, the sidecar starts cold rather than not at all.
    await warmUpSidecar((primary, secondary) => new Sidecar({
      ...c,
      listen: loopback,
      admin: { listen: loopback },
      primary: [primary],
      ...(this.mirror ? { secondary } : { secondary: undefined }),
      capture: { ...c.capture, file: undefined },
      faults: { ...c.faults, enabled: false },
      server: { ...c.server, warmUp: false },
    }, { defaultMetrics: false, [WARM_UP_INSTANCE]: true })).then(
      () => this.log.debug({ ms: Math.round(performance.now() - t0) }, 'request path warmed up'),
      (err: Error) => this.log.warn({ err: err.message }, 'warm-up failed; starting cold'),
    );
  }

  /**
   * Closes the current window of both sides now (one end time for both),
   * emitting a `window` for each side that saw requests. The timer does this
   * every `capture.window`; `stop()` does it once more at the end.
   */
  rotateWindows(): void {
    const end = Date.now();
    this.aggregator.rotate(end);
    this.secondaryWindows.rotate(end);
  }

  /** The secondary side since start (cumulative; the same as `/histograms`' secondary). */
  get shadowStats(): RouteStatsTable {
    return this.secondaryWindows.snapshot();
  }

  /** Both sides since start: the merge of every window emitted so far plus the open one. */
  histograms(): HistogramDump {
    return {
      kind: 'shadowtwin.histograms', version: 1, start: this.startedAt, end: Date.now(),
      primary: this.aggregator.snapshot().encode(),
      secondary: this.secondaryWindows.snapshot().encode(),
    };
  }

  /**
   * Replaces the primary's membership set; refuses (ST_ERR_SAFETY_TARGET_IS_PRIMARY)
   * a host that resolves to the secondary's address and port.
   */
  async setMembership(origins: string[]): Promise<void> {
    await assertNotSecondary(origins, this.config.secondary);
    await this.upstreams.setMembers(origins);
    this.log.info({ primary: origins }, 'membership changed');
  }

  /**
   * Graceful stop: refuse new connections, let in-flight requests finish
   * (bounded by drainTimeout), flush the capture, close everything.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.ctx.draining = true;
    this.emit('draining');
    this.log.info({ inFlight: this.ctx.totals.inFlight }, 'draining');
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.ctx.totals.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.drainTimeout);
        this.ctx.onIdle = () => { clearTimeout(timer); resolve(); };
      });
    }
    if (this.ctx.totals.inFlight > 0) {
      this.log.warn({ inFlight: this.ctx.totals.inFlight }, 'drain timeout reached; answering 503 (or cutting) and recording the remaining requests, then closing connections');
      for (const ex of [...this.ctx.live]) ex.cutByDrain();
      await new Promise((r) => setImmediate(r)); // let the 503s reach the sockets
    }
    this.server.closeAllConnections();
    this.upgrades.close(); // upgraded sockets still count as server connections
    await closed;
    if (this.windowTimer) clearInterval(this.windowTimer);
    this.ctx.responseDeadlines?.close();
    this.ctx.bodyDeadlines?.close();
    await this.writer?.close();
    await this.mirror?.close();
    // After the shadow writer: the last secondary answers (or their failures) are in the final window.
    this.rotateWindows();
    await Promise.race([this.upstreams.close(), delay(2000)]);
    await this.upstreams.destroy();
    await new Promise<void>((resolve) => { this.admin.close(() => resolve()); this.admin.closeAllConnections(); });
    this.log.info('stopped');
    this.emit('stopped');
  }
}

/**
 * Never the primary: the secondary may not be any primary host, compared by
 * resolved address and port (names, IPv4-mapped IPv6, 0.0.0.0 and this
 * host's own addresses included). At config time and on membership change only.
 */
async function assertNotSecondary(primary: readonly string[], secondary: string | undefined): Promise<void> {
  if (!secondary) return;
  const same = await findSameEndpoint([secondary], primary);
  if (same) {
    throw new ShadowtwinError('ST_ERR_SAFETY_TARGET_IS_PRIMARY', `the secondary ${secondary} reaches the primary host ${same.forbidden} (same address and port); shadow traffic must never be aimed at the primary: point --secondary at the candidate service`);
  }
}

/**
 * The secondary may not be this sidecar's own data port (compared by resolved
 * address and port; listening on 0.0.0.0 or :: is every local address): each
 * shadow copy would arrive here and be forwarded to the primary once more.
 */
async function assertNotSelf(listen: { host: string; port: number }, secondary: string | undefined): Promise<void> {
  if (!secondary || listen.port === 0) return;
  const self = `http://${formatHostPort(listen)}`;
  const same = await findSameEndpoint([secondary], [self]);
  if (same) {
    throw new ShadowtwinError('ST_ERR_SAFETY_TARGET_IS_PRIMARY', `the secondary ${secondary} is this sidecar's own data port (listen ${formatHostPort(listen)}): every shadow copy would be forwarded to the primary a second time; point --secondary at the candidate service`);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function listen(server: Server, hp: { host: string; port: number }, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const fix = err.code === 'EADDRNOTAVAIL' ? `${hp.host} is not an address of this host; use one of its interface addresses, 127.0.0.1 or 0.0.0.0`
        : err.code === 'EACCES' ? 'ports below 1024 need privileges; choose a port above 1024'
          : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? `${hp.host} does not resolve; give an IP address`
            : 'choose a free port';
      reject(new ShadowtwinError('ST_ERR_LISTEN_FAILED', `cannot listen on ${formatHostPort(hp)} for the ${what}: ${err.code ?? err.message}; ${fix}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(hp.port, hp.host, () => {
      server.off('error', onError);
      const a = server.address() as AddressInfo;
      resolve(`http://${formatHostPort({ host: a.address, port: a.port })}`);
    });
  });
}

export function redactedConfig(config: SidecarConfig): unknown {
  return {
    ...config,
    admin: { ...config.admin, token: config.admin.token ? '[REDACTED]' : undefined },
    capture: { ...config.capture, salt: config.capture.salt ? '[REDACTED]' : undefined },
    ...(config.controller ? { controller: { ...config.controller, token: config.controller.token ? '[REDACTED]' : undefined } } : {}),
  };
}

export function createSidecar(config: SidecarConfig, options?: SidecarOptions): Sidecar {
  return new Sidecar(config, options);
}
