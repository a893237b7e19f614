import { connect, type Socket } from 'node:net';
import { decimalAt } from './decimal-at.js';
import { requestProblem, UnsafeRequestError } from './request-validity.js';

export interface Http1Response {
  status: number;
  /** Body bytes received. */
  bytes: number;
}

/** How a request ended: an error, or the status and the body bytes received (no object per response). */
export type Http1Callback = (err: NodeJS.ErrnoException | undefined, status: number, bytes: number) => void;

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);

/** Headers the framing owns: never copied from the caller's list. */
function framing(lowerName: string): boolean {
  return lowerName === 'content-length' || lowerName === 'connection' || lowerName === 'transfer-encoding' || lowerName === 'keep-alive';
}

/**
 * Request bytes for a method, path and headers (an object, or a flat
 * `[name, value, …]` list as the sidecar forwards them). A `host` header in
 * the list wins over `host` (as with undici); framing headers are replaced
 * by a Content-Length for the body. The generator renders once per request
 * spec and reuses the bytes. A method, path or header that would split the
 * head (CR/LF, a space in the path, …) throws `UnsafeRequestError`: nothing
 * is rendered that could smuggle a header or a second request.
 */
export function renderRequest(method: string, path: string, host: string, headers: Record<string, string> | readonly string[], body: Buffer | null): Buffer {
  const problem = requestProblem(method, path, headers);
  if (problem) throw new UnsafeRequestError(problem);
  let lines = '';
  let hostLine = `host: ${host}\r\n`;
  const add = (k: string, v: string): void => {
    const lk = k.toLowerCase();
    if (lk === 'host') hostLine = `${k}: ${v}\r\n`;
    else if (!framing(lk)) lines += `${k}: ${v}\r\n`;
  };
  if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i]!, headers[i + 1]!);
  else for (const [k, v] of Object.entries(headers)) add(k, v);
  const length = body?.length || method === 'POST' || method === 'PUT' || method === 'PATCH' ? `content-length: ${body?.length ?? 0}\r\n` : '';
  const head = Buffer.from(`${method} ${path} HTTP/1.1\r\n${hostLine}${lines}${length}\r\n`, 'latin1');
  return body?.length ? Buffer.concat([head, body]) : head;
}

/** GET, HEAD, OPTIONS, PUT, DELETE (from the request line's first bytes): safe to send again. */
function idempotent(request: Buffer): boolean {
  const c = request[0];
  return c === 0x47 || c === 0x48 || c === 0x4f || c === 0x44 || (c === 0x50 && request[1] === 0x55);
}

/**
 * One keep-alive HTTP/1.1 connection that sends a pre-rendered request and
 * reads the response (status line, Content-Length or chunked body, no
 * pipelining), as autocannon does it. Request bytes are written as one
 * Buffer and responses are parsed on the raw bytes, which is where undici's
 * per-request work (request objects, header validation and rendering) cost
 * the generator's closed loop about 20% of its throughput.
 */
export class Http1Connection {
  private socket: Socket | undefined;
  private buf: Buffer = EMPTY;
  /** The request in flight: its callback (undefined when idle), bytes (for the one retry) and whether it is a HEAD. */
  private pending: Http1Callback | undefined;
  private request: Buffer = CRLF;
  private isHead = false;
  private retried = false;
  /** Responses completed on the current socket (a reused socket may have been closed by the server while idle). */
  private served = 0;
  // Response parsing state.
  private status = 0;
  private bodyLeft = -1; // -1: not in a body; -2: chunked; -3: until close
  private bytes = 0;
  private chunkLeft = 0;
  private keepAlive = true;

  private readonly host: string;

  /** `host` as in a URL's hostname: an IPv6 address may keep its brackets (`[::1]`). */
  constructor(host: string, private readonly port: number) {
    this.host = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  }

  /** Sends `request` and calls `cb` once with the response or an error, reconnecting first when needed. */
  exchange(request: Buffer, isHead: boolean, cb: Http1Callback): void {
    this.pending = cb;
    this.request = request;
    this.isHead = isHead;
    this.retried = false;
    this.status = 0;
    this.bodyLeft = -1;
    this.bytes = 0;
    if (!this.socket || this.socket.destroyed) this.open();
    this.socket!.write(request);
  }

  /** `exchange` as a promise. */
  send(request: Buffer, isHead: boolean): Promise<Http1Response> {
    return new Promise((resolve, reject) => this.exchange(request, isHead, (err, status, bytes) => (err ? reject(err) : resolve({ status, bytes }))));
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** Whether the TCP connection is still being set up (a timeout then means the host is unreachable). */
  get connecting(): boolean {
    return this.socket?.connecting === true;
  }

  /** Gives up on the request in flight (its callback gets `err`) and drops the connection. */
  abort(err: NodeJS.ErrnoException): void {
    const p = this.pending;
    this.pending = undefined;
    this.close();
    p?.(err, 0, 0);
  }

  private open(): void {
    const s = connect({ host: this.host, port: this.port });
    s.setNoDelay(true);
    this.buf = EMPTY;
    this.keepAlive = true;
    this.served = 0;
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = undefined;
      if (this.pending && this.bodyLeft === -3) this.done();
      else this.fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
    });
    this.socket = s;
  }

  private fail(err: NodeJS.ErrnoException): void {
    const p = this.pending;
    // The server closed an idle keep-alive connection as we reused it: nothing was answered, so send
    // once more on a new connection (what undici does for idempotent requests).
    if (p && !this.retried && this.served > 0 && this.status === 0 && this.buf.length === 0 && idempotent(this.request)) {
      this.retried = true;
      this.socket?.destroy();
      this.open();
      this.socket!.write(this.request);
      return;
    }
    this.pending = undefined;
    this.socket?.destroy();
    this.socket = undefined;
    p?.(err, 0, 0);
  }

  private done(): void {
    const p = this.pending!;
    this.pending = undefined;
    this.served++;
    if (!this.keepAlive) this.close();
    p(undefined, this.status, this.bytes);
  }

  private onData(chunk: Buffer): void {
    if (!this.pending) { this.close(); return; } // unsolicited bytes: drop the connection
    let data = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.bodyLeft === -1) {
        const end = data.indexOf(CRLFCRLF);
        if (end < 0) { this.buf = data; return; }
        const head = data.toString('latin1', 0, end);
        data = data.subarray(end + 4);
        if (!this.parseHead(head)) return;
        if (this.status >= 100 && this.status < 200) { this.bodyLeft = -1; continue; } // 100 Continue and friends
        if ((this.bodyLeft as number) === 0) { this.buf = data; this.done(); return; } // (parseHead set it)
      }
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, data.length);
        this.bytes += take;
        this.bodyLeft -= take;
        data = data.subarray(take);
        if (this.bodyLeft === 0) { this.buf = data; this.done(); return; }
        this.buf = EMPTY;
        return;
      }
      if (this.bodyLeft === -3) { this.bytes += data.length; this.buf = EMPTY; return; }
      // Chunked: size line, data, CRLF; a 0-size chunk then trailers up to an empty line.
      if (this.chunkLeft > 0) {
        const take = Math.min(this.chunkLeft, data.length);
        this.bytes += take;
        this.chunkLeft -= take;
        data = data.subarray(take);
        if (this.chunkLeft > 0) { this.buf = EMPTY; return; }
        this.chunkLeft = -1; // expect the CRLF after the data
      }
      if (this.chunkLeft === -1) {
        if (data.length < 2) { this.buf = data; return; }
        data = data.subarray(2);
        this.chunkLeft = 0;
      }
      const eol = data.indexOf(CRLF);
      if (eol < 0) { this.buf = data; return; }
      const size = parseInt(data.toString('latin1', 0, eol), 16);
      if (!Number.isFinite(size)) { this.fail(Object.assign(new Error('bad chunk size'), { code: 'HPE_INVALID_CHUNK_SIZE' })); return; }
      if (size === 0) {
        const trailerEnd = data.indexOf(CRLFCRLF, eol);
        // No trailers: "0\r\n\r\n"; with trailers: up to the first empty line.
        const endAt = data.length >= eol + 4 && data[eol + 2] === 13 && data[eol + 3] === 10 ? eol + 4 : trailerEnd >= 0 ? trailerEnd + 4 : -1;
        if (endAt < 0) { this.buf = data; return; }
        this.buf = data.subarray(endAt);
        this.bodyLeft = -1;
        this.done();
        return;
      }
      this.chunkLeft = size;
      data = data.subarray(eol + 2);
    }
  }

  /**
   * Status and framing from the response head; false when it is malformed
   * (the request fails). A scan rather than a regex and a split: only three
   * header names matter, and a name is lowercased only when its length
   * matches one of them (this runs once per response, ~60,000 times a second).
   */
  private parseHead(head: string): boolean {
    const minor = head.charCodeAt(7) - 48;
    const status = head.length >= 12 && head.charCodeAt(8) === 32 && head.startsWith('HTTP/1.') && (minor === 0 || minor === 1) ? decimalAt(head, 9, 12) : -1;
    if (status < 100) { this.fail(Object.assign(new Error('malformed response'), { code: 'HPE_INVALID_CONSTANT' })); return false; }
    this.status = status;
    this.keepAlive = minor === 1;
    let length = -1;
    let chunked = false;
    for (let eol = head.indexOf('\r\n'); eol >= 0;) {
      const from = eol + 2;
      const next = head.indexOf('\r\n', from);
      const to = next < 0 ? head.length : next;
      const colon = head.indexOf(':', from);
      if (colon > from && colon < to) {
        const n = colon - from;
        if (n === 14 || n === 17 || n === 10) {
          const name = head.slice(from, colon).toLowerCase();
          const value = head.slice(colon + 1, to).trim().toLowerCase();
          if (name === 'content-length') {
            length = decimalAt(value, 0, value.length);
            if (length < 0) { this.fail(Object.assign(new Error('bad content-length'), { code: 'HPE_INVALID_CONTENT_LENGTH' })); return false; }
          } else if (name === 'transfer-encoding') chunked = value.includes('chunked');
          else if (name === 'connection') this.keepAlive = value !== 'close' && (minor === 1 || value === 'keep-alive');
        }
      }
      eol = next;
    }
    if (this.isHead || status === 204 || status === 304 || status < 200) this.bodyLeft = 0;
    else if (chunked) { this.bodyLeft = -2; this.chunkLeft = 0; }
    else if (length >= 0) this.bodyLeft = length;
    else { this.bodyLeft = -3; this.keepAlive = false; }
    return true;
  }
}
