/**
 * The one error vocabulary. Codes are stable: users match on `.code`, so a
 * code is never renamed or reused. Each code carries the CLI exit code, the
 * gRPC status (numeric, grpc-js `status` enum values) and, where it reaches
 * an HTTP client, the status the proxy answers with. `docs/errors.md` documents
 * every code; a test keeps the two in sync.
 */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  RUNTIME: 3,
  THRESHOLD_FAILED: 4,
  INTERRUPTED: 130,
} as const;

/** gRPC status codes (numbers from the gRPC spec) used by the control plane. */
export const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface ErrorCodeSpec {
  exitCode: number;
  grpcStatus: number;
  httpStatus?: number;
  /** One line for docs and `--help`: what happened and what to do. */
  summary: string;
}

export const ERROR_CODES = {
  ST_ERR_CONFIG_INVALID: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT,
    summary: 'The configuration has problems; every one is listed with its path and the fix.',
  },
  ST_ERR_CONFIG_FILE_UNREADABLE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.NOT_FOUND,
    summary: 'The config file could not be read or is not valid YAML/JSON; check the path and syntax.',
  },
  ST_ERR_USAGE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT,
    summary: 'The command line is wrong; run the command with --help.',
  },
  ST_ERR_LISTEN_FAILED: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE,
    summary: 'A listener could not bind (port in use, no permission, or the address is not on this host); the message says which and what to choose.',
  },
  ST_ERR_SAFETY_TARGET_IS_PRIMARY: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.FAILED_PRECONDITION, httpStatus: 409,
    summary: 'Shadow traffic, generated load or faults were aimed at the primary (compared by resolved address and port: localhost, 127.0.0.0/8, ::1, ::ffff:127.x, 0.0.0.0 and this host\'s own addresses are one host); point them at the secondary.',
  },
  ST_ERR_SAFETY_LOOP_DETECTED: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.FAILED_PRECONDITION, httpStatus: 508,
    summary: 'A request tagged as shadow traffic (x-shadowtwin-shadow) or generated load (x-shadowtwin-load) reached a sidecar\'s data port; it was not forwarded to the primary. Point the generator or --secondary at the candidate service, not at a sidecar.',
  },
  ST_ERR_PROXY_UPSTREAM_UNREACHABLE: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE, httpStatus: 502,
    summary: 'The primary refused or dropped the connection; check that it is running and reachable from the sidecar.',
  },
  ST_ERR_PROXY_UPSTREAM_TIMEOUT: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.DEADLINE_EXCEEDED, httpStatus: 504,
    summary: 'The primary did not connect or answer in time; raise upstream.connectTimeout/responseTimeout or fix the primary.',
  },
  ST_ERR_PROXY_UPSTREAM_RESET: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE, httpStatus: 502,
    summary: 'The primary closed the connection before finishing its response.',
  },
  ST_ERR_PROXY_NO_UPSTREAM: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE, httpStatus: 503,
    summary: 'The membership set is empty; add a primary host through PUT /membership or --primary.',
  },
  ST_ERR_PROXY_BAD_REQUEST: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT, httpStatus: 400,
    summary: 'The client sent a malformed HTTP request; it was not forwarded.',
  },
  ST_ERR_PROXY_FOREIGN_AUTHORITY: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT, httpStatus: 400,
    summary: 'An absolute-form request target (GET http://host/...) named another authority than Host; the sidecar forwards only to its primary: send origin-form (GET /path).',
  },
  ST_ERR_PROXY_METHOD_NOT_ALLOWED: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT, httpStatus: 405,
    summary: 'CONNECT is not proxied: the sidecar forwards to its primary and is not a tunnelling proxy.',
  },
  ST_ERR_PROXY_HEADERS_TOO_LARGE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.RESOURCE_EXHAUSTED, httpStatus: 431,
    summary: 'The request headers exceed server.maxHeaderBytes; send smaller headers or raise the limit.',
  },
  ST_ERR_PROXY_BODY_TOO_LARGE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.RESOURCE_EXHAUSTED, httpStatus: 413,
    summary: 'The request body exceeds server.maxBodyBytes; send less or raise the limit.',
  },
  ST_ERR_PROXY_REQUEST_TIMEOUT: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.DEADLINE_EXCEEDED, httpStatus: 408,
    summary: 'The client was too slow sending its request (server.headersTimeout/requestTimeout).',
  },
  ST_ERR_PROXY_FAULT_ABORT: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE, httpStatus: 503,
    summary: 'A fault drill aborted this request on purpose (faults.rules or x-shadowtwin-fault-* headers).',
  },
  ST_ERR_PROXY_FAULT_HEADER_INVALID: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT, httpStatus: 400,
    summary: 'An x-shadowtwin-fault-* header is not a number within its bounds (abort 400-599, percentages 0-100, delay up to 60000 ms, throughput 1-10000000 KiB/s); the request was not forwarded.',
  },
  ST_ERR_PROXY_SHUTTING_DOWN: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE, httpStatus: 503,
    summary: 'The sidecar is draining after SIGTERM and takes no new requests; retry on another instance.',
  },
  ST_ERR_ADMIN_UNAUTHORIZED: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.UNAUTHENTICATED, httpStatus: 401,
    summary: 'The admin endpoint needs "Authorization: Bearer <admin token>".',
  },
  ST_ERR_ADMIN_BAD_REQUEST: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT, httpStatus: 400,
    summary: 'The admin request body is not valid; the message names the field to fix.',
  },
  ST_ERR_ADMIN_BODY_TOO_LARGE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.RESOURCE_EXHAUSTED, httpStatus: 413,
    summary: 'The admin request body is over 64 KiB; a membership list is far smaller, send only the URLs.',
  },
  ST_ERR_ADMIN_NOT_FOUND: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.NOT_FOUND, httpStatus: 404,
    summary: 'No such admin endpoint; see docs/sidecar.md for the list.',
  },
  ST_ERR_CAPTURE_FILE_NOT_OURS: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.FAILED_PRECONDITION,
    summary: 'The capture path (or one of its rotated names, file.1 …) holds a file that is not a shadowtwin capture; it is never moved or deleted: choose another --capture path or move the file yourself.',
  },
  ST_ERR_CAPTURE_WRITE_FAILED: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE,
    summary: 'The capture file could not be written (disk full, permissions); records are dropped and counted, traffic is unaffected.',
  },
  ST_ERR_STORE_LOCKED: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.FAILED_PRECONDITION,
    summary: 'Another controller holds the data directory (the database\'s exclusive lock; the message names its pid and host when known): stop it or give this one another --data directory. The operating system releases the lock when that process exits, even on kill -9.',
  },
  ST_ERR_STORE_VERSION: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.FAILED_PRECONDITION,
    summary: 'The data directory\'s database was written by a newer shadowtwin (its schema version is above the ones this shadowtwin knows); upgrade this shadowtwin or point --data at another directory.',
  },
  ST_ERR_STORE_CORRUPT: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.INTERNAL,
    summary: 'The data directory\'s controller.db is not a readable SQLite database (damaged, or another file); move it aside and start again, or restore it from a copy.',
  },
  ST_ERR_STORE_UNWRITABLE: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE,
    summary: 'The controller\'s database could not be written (disk full, the configured size limit, a read-only file or directory, an I/O error); nothing of that write was stored or acknowledged. Free space or fix permissions; /healthz says so until a write succeeds.',
  },
  ST_ERR_STORE_DOCUMENT_TOO_LARGE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.RESOURCE_EXHAUSTED,
    summary: 'A window or document is larger than the store accepts (windows 4 MiB, documents 16 MiB by default); it was refused, not stored: send smaller windows (fewer routes per window) or raise the limit.',
  },
  ST_ERR_HISTOGRAM_DECODE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT,
    summary: 'An encoded HDR histogram could not be decoded; it must be compressed base64 from HdrHistogram.',
  },
  ST_ERR_CONTRACT_VERSION: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.FAILED_PRECONDITION,
    summary: 'A document (window, histogram dump, run report, request model, forecast, scale record) has a version this shadowtwin does not read; a newer one wrote it: upgrade this shadowtwin.',
  },
  ST_ERR_SOURCE_UNREACHABLE: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE,
    summary: 'A network endpoint shadowtwin reads from or acts on (Prometheus, a sidecar admin port, the Kubernetes API, a webhook) could not be reached or answered with an error; check the URL and that it is running.',
  },
  ST_ERR_INPUT_UNREADABLE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.NOT_FOUND,
    summary: 'An input file (capture, log, scenario, report) could not be read; check the path and permissions.',
  },
  ST_ERR_INPUT_FORMAT: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT,
    summary: 'An input file is mostly unparseable in the expected format; the message names the format and shows a bad line.',
  },
  ST_ERR_INPUT_EMPTY: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.FAILED_PRECONDITION,
    summary: 'The inputs hold no usable records (an empty file, or every line skipped); the message says what was skipped; check the path and --format.',
  },
  ST_ERR_SCENARIO_INVALID: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT, httpStatus: 400,
    summary: 'The scenario has problems; every one is listed with its path and the fix.',
  },
  ST_ERR_GENERATOR_RATE_CAP: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.FAILED_PRECONDITION, httpStatus: 409,
    summary: 'The requested rate exceeds the hard cap (maxRate, default 10000 req/s); raise it explicitly with --max-rate if you mean it.',
  },
  ST_ERR_REPORT_MERGE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT,
    summary: 'Run reports could not be merged (not shadowtwin reports, the same run twice, or runs of different scenarios); merge the segments of one run, each once.',
  },
  ST_ERR_OUTPUT_UNWRITABLE: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.FAILED_PRECONDITION,
    summary: 'An output file (--out, --html, -o) cannot be written; checked before any work starts, so choose a writable path.',
  },
  ST_ERR_TARGET_UNREACHABLE: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE,
    summary: 'No request got an HTTP answer from the target (refused, reset or timed out); check the URL and that the service is up. The report is still written.',
  },
  ST_ERR_THRESHOLDS_FAILED: {
    exitCode: EXIT.THRESHOLD_FAILED, grpcStatus: GRPC.FAILED_PRECONDITION,
    summary: 'The run finished but at least one threshold failed; the report lists which.',
  },
  ST_ERR_CONTROL_UNAUTHENTICATED: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.UNAUTHENTICATED, httpStatus: 401,
    summary: 'A controller call had no or the wrong bearer token; send metadata "authorization: Bearer <token>" (the sidecar: --controller-token or --controller-token-file).',
  },
  ST_ERR_CONTROL_BATCH_INVALID: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT,
    summary: 'A telemetry batch has no (or an over-long) batch_id or sender, or more windows than the controller takes in one batch; the stream is ended, nothing of the batch is stored.',
  },
  ST_ERR_CONTROL_WINDOW_TIME: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT,
    summary: 'A telemetry window ends in the future (beyond the allowed clock skew) or further in the past than the controller keeps; fix the sender\'s clock. The window is rejected and counted, the rest of its batch is stored.',
  },
  ST_ERR_CONTROL_COMMIT_FAILED: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.UNAVAILABLE,
    summary: 'The controller could not commit a telemetry batch to its store; the batch is not acknowledged and the sender resends it after a backoff. The controller\'s log and /healthz say why.',
  },
  ST_ERR_CONTROL_PROPOSAL_NOT_FOUND: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.NOT_FOUND, httpStatus: 404,
    summary: 'No scaling proposal (or target) with that id; GET /api/v1/proposals (or shadowtwin ctl proposals) lists them with their ids.',
  },
  ST_ERR_CONTROL_PROPOSAL_NOT_PENDING: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.FAILED_PRECONDITION, httpStatus: 409,
    summary: 'The proposal is not waiting for approval (already applied, rejected, superseded by a newer one, or its target runs in auto mode); only the newest pending proposal of an approve-mode target can be approved or rejected.',
  },
  ST_ERR_CONTROL_RUN_INVALID: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.INVALID_ARGUMENT, httpStatus: 400,
    summary: 'A load run request cannot be started or changed as given (no scenario, rate or forecast multiple; no target for the service; no live traffic or forecast to synthesize from; a factor that is not a positive number); the message says what to give.',
  },
  ST_ERR_CONTROL_RUN_NOT_FOUND: {
    exitCode: EXIT.USAGE, grpcStatus: GRPC.NOT_FOUND, httpStatus: 404,
    summary: 'No load run (or no report yet) with that id; GET /api/v1/runs (shadowtwin ctl runs) lists them.',
  },
  ST_ERR_CONTROL_RUNS_LIMIT: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.RESOURCE_EXHAUSTED, httpStatus: 429,
    summary: 'The controller already drives as many load runs as runs.maxConcurrent allows (default 2); stop one or wait for it to finish, or raise the limit.',
  },
  ST_ERR_CONTROL_TOO_MANY_STREAMS: {
    exitCode: EXIT.RUNTIME, grpcStatus: GRPC.RESOURCE_EXHAUSTED, httpStatus: 429,
    summary: 'The controller already serves as many event streams as it allows (500); close one (a dashboard tab, ctl events --follow) and retry.',
  },
  ST_ERR_INTERNAL: {
    exitCode: EXIT.INTERNAL, grpcStatus: GRPC.INTERNAL, httpStatus: 500,
    summary: 'An unexpected internal error; please report it with the log line.',
  },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface TransportCodeSpec {
  /** The outcome it stands for (`transportFailure` in transport-error.ts). */
  failure: 'timeout' | 'connect_timeout' | 'aborted' | 'client_aborted';
  /** One line for docs: what happened. */
  summary: string;
}

/**
 * Transport outcomes: not errors shadowtwin raises but how a request ended
 * below HTTP, as counted in reports, windows (`codes`) and metrics. Stable
 * like the ST_ERR_* codes; `docs/errors.md` ("Transport outcomes") documents
 * them in this order, and a test keeps the two in sync.
 */
export const TRANSPORT_CODES = {
  ST_TIMEOUT: {
    failure: 'timeout',
    summary: 'No response (headers or the whole body) arrived in time; the request may have reached the server.',
  },
  ST_CONNECT_TIMEOUT: {
    failure: 'connect_timeout',
    summary: 'The connection did not open in time; the request was never sent.',
  },
  ST_ABORTED: {
    failure: 'aborted',
    summary: 'shadowtwin aborted the request itself (a stop, its own deadline, an abort fault).',
  },
  ST_CLIENT_ABORTED: {
    failure: 'client_aborted',
    summary: 'The client that sent the request went away before its response finished (the sidecar records it with status 499).',
  },
} as const satisfies Record<string, TransportCodeSpec>;

export type TransportCode = keyof typeof TRANSPORT_CODES;
