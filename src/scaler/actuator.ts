import { request } from 'undici';

/** Something that can read and set a size. */
export interface Actuator {
  readonly name: string;
  current(): Promise<number>;
  /** Returns what was actually done (for the record). */
  apply(replicas: number, reason: string): Promise<string>;
}

/** A JSON request for the HTTP actuators: status and the parsed body (or its text). */
export async function requestJson(method: string, url: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await request(url, {
    method: method as 'GET',
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.statusCode, body: parsed };
}
