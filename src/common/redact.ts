export const REDACTED = '[REDACTED]';

/** Headers that always carry credentials; configured names are added to these. */
export const DEFAULT_REDACTED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'] as const;

export type HeaderMap = Record<string, string | string[]>;

export interface Redactor {
  headers(headers: HeaderMap): HeaderMap;
  /** Redacts a captured body given its content type; returns the text to store. */
  body(body: Buffer, contentType: string | undefined): string;
}

/**
 * Builds a redactor once (config parse time) so the request path only does
 * set look-ups. Body fields are matched by key name at any depth of a JSON
 * document and in `application/x-www-form-urlencoded` bodies; a JSON body
 * that does not parse is stored as a marker rather than risk leaking a field.
 */
export function createRedactor(extraHeaders: readonly string[] = [], bodyFields: readonly string[] = []): Redactor {
  const headerSet = new Set([...DEFAULT_REDACTED_HEADERS, ...extraHeaders.map((h) => h.toLowerCase())]);
  const fieldSet = new Set(bodyFields.map((f) => f.toLowerCase()));

  const scrub = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = fieldSet.has(k.toLowerCase()) ? REDACTED : scrub(v);
      return out;
    }
    return value;
  };

  return {
    headers(headers) {
      const out: HeaderMap = {};
      for (const [k, v] of Object.entries(headers)) out[k] = headerSet.has(k.toLowerCase()) ? REDACTED : v;
      return out;
    },
    body(body, contentType) {
      const text = body.toString('utf8');
      if (fieldSet.size === 0) return text;
      const ct = (contentType ?? '').toLowerCase();
      if (ct.includes('json')) {
        try {
          return JSON.stringify(scrub(JSON.parse(text)));
        } catch {
          return '[UNPARSEABLE JSON BODY REDACTED]';
        }
      }
      if (ct.includes('x-www-form-urlencoded')) {
        const params = new URLSearchParams(text);
        for (const key of [...params.keys()]) if (fieldSet.has(key.toLowerCase())) params.set(key, REDACTED);
        return params.toString();
      }
      return text;
    },
  };
}
