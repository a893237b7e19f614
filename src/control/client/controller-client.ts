import { ERROR_CODES, ShadowtwinError, type ErrorCode } from '../../common/index.js';

/** How the client's user sets the token, for the 401 message. */
const TOKEN_HINT = 'give --token T (or set SHADOWTWIN_CONTROLLER_TOKEN) with the token the controller was started with';

/**
 * A thin HTTP client of the controller's API (`shadowtwin ctl`): JSON in and
 * out, the bearer token on every call, the API's registry errors re-raised
 * with their codes, an unreachable controller as ST_ERR_SOURCE_UNREACHABLE
 * with the URL, a 401 as ST_ERR_CONTROL_UNAUTHENTICATED naming --token.
 */
export class ControllerClient {
  readonly base: string;

  constructor(url: string, private readonly token: string | undefined) {
    let u: URL;
    try { u = new URL(url); } catch { u = new URL('invalid:'); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new ShadowtwinError('ST_ERR_USAGE', `--controller ${url}: give the controller's HTTP address, e.g. http://127.0.0.1:7080 (its --http listener)`);
    }
    this.base = u.origin + u.pathname.replace(/\/+$/, '');
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  private headers(json: boolean): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}), accept: 'application/json' };
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const { request } = await import('undici');
    let status: number;
    let text: string;
    try {
      const res = await request(this.base + path, {
        method, headers: this.headers(body !== undefined), headersTimeout: 30_000, bodyTimeout: 30_000,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (cause) {
      throw this.unreachable(cause);
    }
    return this.answer<T>(status, text);
  }

  private unreachable(cause: unknown): ShadowtwinError {
    const why = (cause as NodeJS.ErrnoException)?.code ?? (cause as Error)?.message ?? String(cause);
    return new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `cannot reach the controller at ${this.base} (${why}); check --controller (the controller's --http address, e.g. http://127.0.0.1:7080) and that shadowtwin controller is running`, { cause });
  }

  private answer<T>(status: number, text: string): T {
    if (status === 401) throw new ShadowtwinError('ST_ERR_CONTROL_UNAUTHENTICATED', `the controller at ${this.base} refused the call without its token: ${TOKEN_HINT}`);
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    if (status >= 400) {
      const e = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      if (e?.code && Object.hasOwn(ERROR_CODES, e.code)) throw new ShadowtwinError(e.code as ErrorCode, e.message ?? `HTTP ${status}`);
      throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `the controller at ${this.base} answered HTTP ${status}${e?.message ? `: ${e.message}` : ''}${status === 404 ? '; is this a shadowtwin controller (of this version)?' : ''}`);
    }
    if (parsed === undefined) throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `the controller at ${this.base} answered something that is not JSON; check --controller`);
    return parsed as T;
  }

  /**
   * Follows the event stream (server-sent events) and calls `onEvent` with
   * each event's data until `signal` aborts (resolves then) or the stream ends.
   */
  async follow(path: string, onEvent: (data: unknown) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    const { request } = await import('undici');
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(this.base + path, { method: 'GET', headers: { ...this.headers(false), accept: 'text/event-stream' }, signal, bodyTimeout: 0 });
    } catch (cause) {
      if (signal.aborted) return;
      throw this.unreachable(cause);
    }
    if (res.statusCode !== 200) this.answer(res.statusCode, await res.body.text());
    onOpen?.();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += (chunk as Buffer).toString('utf8');
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (data) { try { onEvent(JSON.parse(data)); } catch { onEvent(data); } }
        }
      }
    } catch (cause) {
      if (signal.aborted) return;
      throw this.unreachable(cause);
    }
    if (!signal.aborted) throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `the controller at ${this.base} closed the event stream (stopped or restarted?); run the command again to resume`);
  }
}
