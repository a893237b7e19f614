import { createHmac } from 'node:crypto';

export const REDACTED = '[REDACTED]';

/** Headers that always carry credentials; configured names and the sensitive-name patterns add to these. */
export const DEFAULT_REDACTED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'] as const;

/**
 * Sensitive names, matched case-insensitively in header names and body
 * field names at any depth. A name is sensitive when, with separators
 * removed, it contains one of `SENSITIVE_SUBSTRINGS` (`X-Auth-Token`,
 * `client_secret`, `newPassword`), or when one of its words (split at
 * `-`, `_`, `.`, spaces and camelCase) is one of `SENSITIVE_WORDS`
 * (`api_key`, `accessKey`, but not `monkey` or `keyword`).
 */
export const SENSITIVE_SUBSTRINGS = [
  'password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'credential', 'cookie', 'session',
  'authorization', 'authentication', 'privatekey', 'signature', 'cvv', 'cvc', 'cardnumber', 'creditcard', 'ssn',
] as const;
export const SENSITIVE_WORDS = ['key', 'auth', 'pwd', 'pass', 'pin', 'sid', 'otp', 'jwt', 'bearer', 'card', 'pan', 'iban', 'csrf', 'xsrf', 'salt', 'oauth'] as const;

export type HeaderMap = Record<string, string | string[]>;

/** What replaces a body that could not be redacted field by field: its size and a keyed hash, never its bytes. */
export interface OmittedBody {
  reason: 'unparsed' | 'not_allowed' | 'truncated';
  /** Media type as sent, `none` when absent. */
  contentType: string;
  bytes: number;
  /** HMAC-SHA-256 keyed with the capture salt, 16 hex: equal bodies group, guesses cannot be checked. */
  hash: string;
}

export type RedactedBody = { text: string; omitted?: undefined } | { text?: undefined; omitted: OmittedBody };

export interface Redactor {
  headers(headers: HeaderMap): HeaderMap;
  /** Redacts a captured body given its media type: its redacted text, or a marker when it cannot be redacted. */
  body(body: Buffer, contentType: string | undefined, truncated?: boolean): RedactedBody;
}

export interface RedactorOptions {
  /** Extra header names (exact, case-insensitive). */
  headers?: readonly string[];
  /** Extra body field names (exact, case-insensitive). */
  bodyFields?: readonly string[];
  /** The built-in names and patterns (default true). */
  defaults?: boolean;
  /** Media types stored verbatim when not parseable (`text/plain`, `application/octet-stream`, `image/*`). */
  rawBodyTypes?: readonly string[];
  /** Key for the omitted-body hash. */
  salt?: string;
}

function words(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/);
}

/** True when a header or field name looks like it carries a credential (the built-in patterns). */
export function isSensitiveName(name: string): boolean {
  const flat = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  for (const s of SENSITIVE_SUBSTRINGS) if (flat.includes(s)) return true;
  for (const w of words(name)) if ((SENSITIVE_WORDS as readonly string[]).includes(w)) return true;
  return false;
}

/** `Bearer|Basic|Token <one credential-looking word>`, `Digest k=…`, or a JWT; not prose such as "Basic plan". */
const CREDENTIAL_VALUE = /^\s*(?:(?:bearer|basic|token)\s+[\w\-.~+/]{8,}=*\s*$|digest\s+\w+=|eyJ[\w-]{4,}\.[\w-]{4,}\.)/i;

/**
 * Well-known secret formats, found anywhere in a value: AWS access key ids,
 * Stripe secret/restricted keys, GitHub tokens, Slack tokens, PEM private
 * key blocks, and a JWT (three base64url parts, the first `eyJ`).
 */
const KNOWN_SECRET = /\b(?:A(?:KIA|SIA)[0-9A-Z]{16}|(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{8,}|gh[pousr]_[0-9A-Za-z]{20,}|github_pat_[0-9A-Za-z_]{20,}|xox[baprs]-[0-9A-Za-z-]{8,}|eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*)|-----BEGIN [A-Z ]*PRIVATE KEY-----/;
/** `scheme://user:password@host`: the password (only) is redacted. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*:)([^\s@/?#]+)@/gi;
/** How deep JSON held in a string (itself in JSON or a form field) is opened. */
const MAX_NESTED = 4;

/** True when a value holds a well-known secret format (key ids, API keys, tokens, private keys, JWTs). */
export function hasKnownSecret(value: string): boolean {
  return KNOWN_SECRET.test(value);
}

/** Cheap pre-check for `redactPath`: could this path hold a path parameter or a secret segment? */
const PATH_HINT = /;|eyJ|AKIA|ASIA|_live_|_test_|gh[pousr]_|github_pat_|xox[baprs]-/;

/**
 * A captured request path with path parameters (`/login;jsessionid=ABC` →
 * `/login`) stripped and every segment holding a well-known secret (a JWT,
 * `sk_live_…`, an AWS key id…) replaced by `[REDACTED]`. Other paths are
 * returned as they are after one regex test.
 */
export function redactPath(path: string): string {
  if (!PATH_HINT.test(path)) return path;
  let out = '';
  for (const raw of path.split('/')) {
    const semi = raw.indexOf(';');
    const seg = semi >= 0 ? raw.slice(0, semi) : raw;
    out += (out === '' && seg === '' ? '' : '/') + (KNOWN_SECRET.test(seg) ? REDACTED : seg);
  }
  return path.startsWith('/') && !out.startsWith('/') ? '/' + out : out;
}

const isJson = (mt: string): boolean => mt === 'application/json' || mt.endsWith('+json');
const FORM = 'application/x-www-form-urlencoded';

/**
 * Builds a redactor once (config parse time); it runs only in `full`
 * capture mode. JSON bodies are redacted key by key at any depth and
 * form bodies field by field; any other body (multipart, text, untyped,
 * unparseable or truncated JSON) is replaced by an `OmittedBody` marker
 * unless its media type is listed in `rawBodyTypes`.
 */
export function createRedactor(opts: RedactorOptions = {}): Redactor {
  const defaults = opts.defaults !== false;
  const headerSet = new Set([...(defaults ? DEFAULT_REDACTED_HEADERS : []), ...(opts.headers ?? []).map((h) => h.toLowerCase())]);
  const fieldSet = new Set((opts.bodyFields ?? []).map((f) => f.toLowerCase()));
  const raw = (opts.rawBodyTypes ?? []).map((t) => t.toLowerCase().trim());
  const salt = opts.salt ?? '';
  // Names repeat a lot; remember the verdicts (bounded).
  const memo = (exact: Set<string>) => {
    const verdicts = new Map<string, boolean>();
    return (name: string): boolean => {
      let v = verdicts.get(name);
      if (v === undefined) {
        v = exact.has(name.toLowerCase()) || (defaults && isSensitiveName(name));
        if (verdicts.size > 10_000) verdicts.clear();
        verdicts.set(name, v);
      }
      return v;
    };
  };
  const headerSensitive = memo(headerSet);
  const fieldSensitive = memo(fieldSet);
  /**
   * A string value under an innocent name: a credential ("Bearer …", "Basic …",
   * a JWT, a well-known key format) is redacted whole; a URL's password only
   * (`postgres://u:[REDACTED]@db/x`); JSON held in the string is opened and
   * redacted field by field (a string holding `{"password":…}`).
   */
  const scrubString = (v: string, depth: number): string => {
    if (!defaults) return v;
    if (CREDENTIAL_VALUE.test(v) || KNOWN_SECRET.test(v)) return REDACTED;
    let out = v.includes('://') ? v.replace(URL_PASSWORD, `$1${REDACTED}@`) : v;
    if (depth < MAX_NESTED) {
      const first = out.trimStart().charCodeAt(0);
      if (first === 123 /* { */ || first === 91 /* [ */) {
        try {
          out = JSON.stringify(scrub(JSON.parse(out), depth + 1));
        } catch {
          // Not JSON: kept as text.
        }
      }
    }
    return out;
  };
  const scrub = (value: unknown, depth = 0): unknown => {
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = fieldSensitive(k) ? REDACTED : scrub(v, depth);
      return out;
    }
    return typeof value === 'string' ? scrubString(value, depth) : value;
  };
  const scrubHeader = (v: string | string[]): string | string[] => (typeof v === 'string' ? scrubString(v, MAX_NESTED) : v.map((x) => scrubString(x, MAX_NESTED)));
  const allowedRaw = (mt: string): boolean => mt !== '' && raw.some((t) => t === mt || (t.endsWith('/*') && mt.startsWith(t.slice(0, -1))));
  const omit = (body: Buffer, mt: string, reason: OmittedBody['reason']): RedactedBody => ({
    omitted: { reason, contentType: mt || 'none', bytes: body.length, hash: createHmac('sha256', salt).update(body).digest('hex').slice(0, 16) },
  });

  return {
    headers(headers) {
      const out: HeaderMap = {};
      for (const [k, v] of Object.entries(headers)) out[k] = headerSensitive(k) ? REDACTED : scrubHeader(v);
      return out;
    },
    body(body, contentType, truncated = false) {
      const mt = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
      if (allowedRaw(mt)) return { text: body.toString('utf8') };
      if (isJson(mt)) {
        if (truncated) return omit(body, mt, 'truncated');
        try {
          return { text: JSON.stringify(scrub(JSON.parse(body.toString('utf8')))) };
        } catch {
          return omit(body, mt, 'unparsed');
        }
      }
      if (mt === FORM) {
        if (truncated) return omit(body, mt, 'truncated');
        const params = new URLSearchParams(body.toString('utf8'));
        const out = new URLSearchParams();
        for (const [k, v] of params) out.append(k, fieldSensitive(k) ? REDACTED : scrubString(v, 0));
        return { text: out.toString() };
      }
      return omit(body, mt, 'not_allowed');
    },
  };
}
