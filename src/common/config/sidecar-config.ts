import { hostname } from 'node:os';
import { z } from 'zod';
import { boundedDuration as timer, byteSize, fraction, hostPort, httpOrigin, percent } from './schema-helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const HTTP_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'CONNECT'] as const;
const method = z.string().transform((m) => m.toUpperCase()).pipe(z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` }));

/** A window source name (service, pod): what the window contract accepts. */
const sourceName = z.string().min(1, 'must not be empty').max(253, 'use at most 253 characters');

const faultMatch = z.strictObject({
  /** Route templates (`/users/:id`) or raw path prefixes ending in `*`. */
  routes: z.array(z.string()).optional(),
  methods: z.array(method).optional(),
  /** Header name → exact value, or `*` for "present". */
  headers: z.record(z.string(), z.string()).optional(),
}).prefault({});

const faultRule = z.strictObject({
  name: z.string().optional(),
  match: faultMatch,
  abort: z.strictObject({
    percent,
    // An abort answers an error: 2xx/3xx would be a success carrying an error body.
    status: z.number().int().min(400).max(599),
  }).optional(),
  delay: z.strictObject({
    percent,
    fixed: timer(0, HOUR),
    jitter: timer(0, HOUR).prefault(0),
  }).optional(),
  /** Response bandwidth limit (Envoy `response_rate_limit`). */
  responseRateLimit: z.strictObject({
    percent,
    kbps: z.number().positive('must be > 0 (KiB per second)'),
  }).optional(),
});

export const sidecarConfigSchema = z.strictObject({
  /** Data port: where clients (or iptables redirection) send traffic. */
  listen: hostPort.prefault('0.0.0.0:15001'),
  /** The primary's hosts: a membership set, round-robin, passive health checks. */
  primary: z.array(httpOrigin).min(1, 'give at least one primary URL, e.g. --primary http://127.0.0.1:8080'),
  /** Mirror target; absent disables mirroring. */
  secondary: httpOrigin.optional(),
  /**
   * What this sidecar stands in front of. `primary` (default): shadow copies
   * and generated load (tagged by shadowtwin) are refused with 508, never
   * forwarded. `secondary`: the candidate's own sidecar, which must take that
   * traffic (it still never mirrors a shadow copy again).
   */
  role: z.enum(['primary', 'secondary'], { error: 'must be primary or secondary' }).prefault('primary'),
  /** The service this sidecar fronts: names the source of its telemetry windows (merged across pods by it). */
  service: sourceName.prefault('default'),
  /** This instance: names the source of its windows; default the host name (a Kubernetes pod's name). */
  pod: sourceName.prefault(hostname() || 'unknown'),
  /**
   * Stream this sidecar's windows (both sides) to a controller over gRPC.
   * Batched, resent until acknowledged, a bounded buffer while the
   * controller is away (drops counted): never in the request path.
   */
  controller: z.strictObject({
    /** The controller's gRPC address, host:port. */
    address: hostPort,
    /** Bearer token the controller requires (or tokenFile). */
    token: z.string().min(16, 'use at least 16 characters').optional(),
    tokenFile: z.string().min(1).optional(),
    /** How often buffered windows are sent. */
    flushInterval: timer(50, MINUTE).prefault('1s'),
    /** Windows held while the controller is away; more are dropped and counted. */
    maxBufferedWindows: z.number().int().min(10).max(1_000_000).prefault(1_000),
    /** Trust this CA (PEM) and use TLS. */
    tlsCa: z.string().min(1).optional(),
  }).optional(),
  admin: z.strictObject({
    listen: hostPort.prefault('127.0.0.1:15000'),
    /** Required when admin.listen is not loopback. */
    token: z.string().min(16, 'use at least 16 characters').optional(),
  }).prefault({}),
  upstream: z.strictObject({
    connectTimeout: timer(1, 5 * MINUTE).prefault('2s'),
    /** Time to the response headers (504 after it). */
    responseTimeout: timer(1, HOUR, { off: true }).prefault('30s'),
    /** Idle time between body chunks. */
    bodyTimeout: timer(1, HOUR, { off: true }).prefault('60s'),
    connectionsPerHost: z.number().int().positive().prefault(256),
    keepAliveTimeout: timer(1, 10 * MINUTE).prefault('4s'),
    ejection: z.strictObject({
      consecutiveFailures: z.number().int().positive().prefault(5),
      baseTime: timer(1, HOUR).prefault('10s'),
      maxTime: timer(1, DAY).prefault('5m'),
    }).prefault({}),
  }).prefault({}),
  server: z.strictObject({
    /** Slowloris guard: the whole header block must arrive within this. */
    headersTimeout: timer(1, 5 * MINUTE).prefault('10s'),
    /** The whole request (headers + body) must arrive within this; 0 disables. */
    requestTimeout: timer(1, DAY, { off: true }).prefault('5m'),
    keepAliveTimeout: timer(1, 10 * MINUTE, { off: true }).prefault('5s'),
    maxHeaderBytes: z.number().int().min(1024).prefault(16 * 1024),
    /** 0 means unlimited (bodies are streamed, never buffered). */
    maxBodyBytes: byteSize.prefault(0),
    /** Warm the request path on a throwaway loopback sidecar before the data port opens (~0.5 s). */
    warmUp: z.boolean().prefault(true),
  }).prefault({}),
  capture: z.strictObject({
    file: z.string().optional(),
    mode: z.enum(['meta', 'full'], { error: 'must be meta or full' }).prefault('meta'),
    maxBodyBytes: byteSize.prefault('64KiB'),
    rotateBytes: byteSize.prefault('100MiB'),
    maxFiles: z.number().int().positive().prefault(10),
    gzip: z.boolean().prefault(false),
    queueLimit: z.number().int().positive().prefault(20_000),
    flushInterval: timer(10, MINUTE).prefault('250ms'),
    /** Header names redacted in full mode, added to the built-in names and patterns. */
    redactHeaders: z.array(z.string()).prefault([]),
    /** Body field names (JSON keys at any depth, form fields) redacted, added to the built-in patterns. */
    redactBodyFields: z.array(z.string()).prefault([]),
    /** The built-in sensitive names (password, secret, token, key, auth, session, cookie, cvv, …); off only on purpose. */
    redactDefaults: z.boolean().prefault(true),
    /** Media types stored verbatim in full mode (e.g. text/plain, image/*); any other non-JSON, non-form body is a marker. */
    rawBodyTypes: z.array(z.string().regex(/^[\w.+-]+\/(\*|[\w.+-]+)$/, 'write a media type such as text/plain or image/*')).prefault([]),
    /** Header naming the client (e.g. x-client-id); default: first x-forwarded-for hop or the socket address. */
    clientHeader: z.string().optional(),
    sessionCookie: z.string().optional(),
    sessionHeader: z.string().optional(),
    geoHeader: z.string().optional(),
    /** HMAC salt for client/session pseudonyms; random per process when absent. */
    salt: z.string().optional(),
    /** Route templates that take precedence over the built-in normalizer. */
    routes: z.array(z.string().startsWith('/', 'route templates start with /')).prefault([]),
    /** Distinct routes kept as metric labels; the rest become `other`. */
    maxRoutes: z.number().int().positive().prefault(500),
    /** Telemetry window (per-route counts and histograms). */
    window: timer(100, HOUR).prefault('10s'),
  }).prefault({}),
  mirror: z.strictObject({
    fraction: fraction.prefault(0),
    /** Sample by consistent hash of this header's value instead of at random. */
    hashHeader: z.string().optional(),
    methods: z.array(method).prefault(['GET', 'HEAD', 'OPTIONS']),
    /** Shadow requests per second at most; 0 means no cap. */
    maxRate: z.number().nonnegative().prefault(0),
    maxInFlight: z.number().int().positive().prefault(64),
    maxQueue: z.number().int().nonnegative().prefault(1024),
    maxBodyBytes: byteSize.prefault('1MiB'),
    /** Rewrite Host to `<host>-shadow` as Envoy does. */
    shadowHost: z.boolean().prefault(false),
    /** Extra request headers removed from shadow copies (Proxy-Authorization always is). */
    stripHeaders: z.array(z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a header name')).prefault([]),
    /** Remove Authorization and Cookie from shadow copies (a secondary that must not see user credentials). */
    stripCredentials: z.boolean().prefault(false),
    timeout: timer(1, 10 * MINUTE).prefault('10s'),
    /** Circuit breaker: consecutive connection failures that stop dialling the secondary. */
    breakerFailures: z.number().int().positive().prefault(5),
    /** First open period (doubles while probes fail, up to 30 s). */
    breakerBase: timer(1, MINUTE).prefault('1s'),
  }).prefault({}),
  faults: z.strictObject({
    enabled: z.boolean().prefault(false),
    /** Honour x-shadowtwin-fault-* request headers (drills only). */
    headerControl: z.boolean().prefault(false),
    maxActiveFaults: z.number().int().positive().prefault(1000),
    rules: z.array(faultRule).prefault([]),
  }).prefault({}),
  drainTimeout: timer(0, 10 * MINUTE).prefault('15s'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).prefault('info'),
});

export type SidecarConfigInput = z.input<typeof sidecarConfigSchema>;
export type SidecarConfig = z.output<typeof sidecarConfigSchema>;
export type FaultRuleConfig = z.output<typeof faultRule>;
