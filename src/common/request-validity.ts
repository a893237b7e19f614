/**
 * What may go on the wire in an HTTP/1.1 request head (RFC 9110/9112): the
 * method and header names are tokens, the request target has no control
 * character or space, a header value has no CR, LF or NUL. A path or method
 * that breaks these (`/p\r\nX-Injected: yes`) would split the request line
 * and smuggle headers or a second request, so every request the generator
 * renders or dispatches is checked here first, whatever its source (flags,
 * scenario file, capture, request model).
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters (C0, DEL), space, and anything past latin1 (it cannot be written as one byte). */
const BAD_TARGET_CHAR = /[\u0000-\u0020\u007f]|[^\u0000-\u00ff]/;
const BAD_VALUE_CHAR = /[\r\n\u0000]|[^\u0000-\u00ff]/;

/** Why a request cannot be sent as it is: a reason code for skip counts. */
export type RequestProblem = 'bad_method' | 'bad_target' | 'bad_header';

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** A request target for the request line: non-empty, no control character, space or non-latin1 character. */
export function isRequestTarget(text: string): boolean {
  return text.length > 0 && !BAD_TARGET_CHAR.test(text);
}

export function isHeaderValue(text: string): boolean {
  return !BAD_VALUE_CHAR.test(text);
}

/** The first problem with a request's method, target and headers, or undefined when it can be sent. */
export function requestProblem(method: string, target: string, headers?: Record<string, string> | readonly string[]): RequestProblem | undefined {
  if (!TOKEN.test(method)) return 'bad_method';
  if (!isRequestTarget(target)) return 'bad_target';
  if (headers) {
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) if (!TOKEN.test(headers[i]!) || BAD_VALUE_CHAR.test(headers[i + 1]!)) return 'bad_header';
    } else {
      for (const k in headers) if (!TOKEN.test(k) || BAD_VALUE_CHAR.test((headers as Record<string, string>)[k]!)) return 'bad_header';
    }
  }
  return undefined;
}

const PROBLEM_TEXT: Record<RequestProblem, string> = {
  bad_method: 'the method is not an HTTP token',
  bad_target: 'the path has a control character, space or non-latin1 character',
  bad_header: 'a header name is not a token or a value has CR, LF or NUL',
};

export function describeRequestProblem(p: RequestProblem): string {
  return PROBLEM_TEXT[p];
}

/** Thrown by `renderRequest` for a request that cannot be written safely. */
export class UnsafeRequestError extends Error {
  readonly code = 'ERR_UNSAFE_REQUEST';
  constructor(readonly problem: RequestProblem) {
    super(`refusing to render a request: ${PROBLEM_TEXT[problem]} (${problem})`);
  }
}

/**
 * Percent-encodes (as UTF-8) every byte a request target may not carry:
 * what a browser sends for such a path. The request model's sampler uses it,
 * so a path learnt from a hostile log is sent as inert text, never as a
 * second header line.
 */
export function encodeRequestTarget(text: string): string {
  if (!BAD_TARGET_CHAR.test(text) && /^[\u0000-\u007f]*$/.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c > 0x20 && c < 0x7f) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out || '/';
}
