import { request } from 'undici';
import { ShadowtwinError } from '../common/index.js';

/** Something that can read and set a size. */
export interface Actuator {
  readonly name: string;
  current(): Promise<number>;
  /** Returns what was actually done (for the record). */
  apply(replicas: number, reason: string): Promise<string>;
  /**
   * Hosts this actuator puts in rotation (a membership pool): live
   * production hosts, so synthetic load must never go to them directly
   * (validation runs refuse them like primaries).
   */
  hosts?(): readonly string[];
}

/** A JSON request for the HTTP actuators: status and the parsed body (or its text). */
export async function requestJson(method: string, url: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: unknown }> {
  let res: Awaited<ReturnType<typeof request>>;
  let text: string;
  try {
    res = await request(url, {
      method: method as 'GET',
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    text = await res.body.text();
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `${method} ${url}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}; check that it is running and the URL is right`, { cause });
  }
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.statusCode, body: parsed };
}
