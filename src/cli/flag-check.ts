import { isRequestTarget, isToken, parseDuration, ShadowtwinError, type ConfigIssue } from '../common/index.js';

/** A plain decimal number as people type it: 100, -3, 0.5. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

interface NumberRule {
  min?: number;
  max?: number;
  /** Strictly above `min`. */
  positive?: boolean;
  integer?: boolean;
}

/** A `--target` URL split into the origin load goes to and the path (and query) it names, if any. */
export interface TargetUrl {
  origin: string;
  /** Path and query of the URL; undefined when it has none (`http://host:port` or `http://host:port/`). */
  path?: string;
}

/**
 * Parses command-line flags in the user's words: every problem names the flag
 * as typed (`--rate must be a number, got "fast"`), all of them are collected
 * and reported at once by `done()` as one ST_ERR_USAGE.
 */
export class FlagCheck {
  readonly problems: string[] = [];

  problem(message: string): void {
    this.problems.push(message);
  }

  required<T>(flag: string, value: T | undefined, hint: string): T | undefined {
    if (value === undefined || value === '') this.problem(`${flag} is required (${hint})`);
    return value;
  }

  number(flag: string, text: string | undefined, rule: NumberRule = {}): number | undefined {
    if (text === undefined) return undefined;
    // Decimal only: Number() would also take 0x10, 0b1, 1e3, "Infinity" and surrounding spaces.
    const n = DECIMAL.test(text) ? Number(text) : NaN;
    const { min, max, positive, integer } = rule;
    const ok = Number.isFinite(n) && (!integer || Number.isInteger(n)) && (min === undefined || (positive ? n > min : n >= min)) && (max === undefined || n <= max);
    if (ok) return n;
    const kind = integer ? 'a whole number' : 'a number';
    const range = min !== undefined && max !== undefined ? ` between ${min} and ${max}`
      : positive && min === 0 ? ' above 0'
        : min !== undefined ? ` of at least ${min}` : '';
    this.problem(`${flag} must be ${kind}${range}, got "${text}"`);
    return undefined;
  }

  duration(flag: string, text: string | undefined, opts: { positive?: boolean } = {}): number | undefined {
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined || (opts.positive && ms <= 0)) {
      this.problem(`${flag} must be a duration such as 500ms, 30s, 5m or 1h30m, got "${text}"`);
      return undefined;
    }
    return ms;
  }

  path(flag: string, text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    if (!text.startsWith('/')) {
      this.problem(`${flag} must start with /, got "${text}" (e.g. ${flag} /${text.replace(/^\/*/, '')})`);
      return undefined;
    }
    if (!isRequestTarget(text)) {
      // CR/LF would end the request line and inject headers (or a second request): never sent.
      this.problem(`${flag} must not contain spaces or control characters (CR, LF, tab, …), got ${JSON.stringify(text)}; percent-encode them (e.g. %20)`);
      return undefined;
    }
    return text;
  }

  /** An HTTP method: an RFC 9110 token (GET, POST, PURGE, …), nothing that could split the request line. */
  method(flag: string, text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    if (!isToken(text)) {
      this.problem(`${flag} must be an HTTP method such as GET or POST (letters, digits and !#$%&'*+-.^_\`|~ only), got ${JSON.stringify(text)}`);
      return undefined;
    }
    return text;
  }

  /** `http(s)://host:port[/path?query]`: the origin, and the path and query when the URL has them. */
  target(flag: string, text: string | undefined): TargetUrl | undefined {
    if (text === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      this.problem(`${flag} must be a URL such as http://127.0.0.1:8080/api/items, got "${text}"`);
      return undefined;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      this.problem(`${flag} must start with http:// or https://, got "${text}"`);
      return undefined;
    }
    if (u.username || u.password) {
      // The origin would silently drop them: refuse rather than send unauthenticated load.
      this.problem(`${flag} must not carry credentials (user:password@); set an authorization header in a --scenario file (headers:) instead`);
      return undefined;
    }
    const hasPath = u.pathname !== '/' || u.search !== '';
    return { origin: u.origin, ...(hasPath ? { path: u.pathname + u.search } : {}) };
  }

  /** Throws one ST_ERR_USAGE listing every problem, if there are any. */
  done(): void {
    if (this.problems.length === 0) return;
    const [first, ...rest] = this.problems;
    throw new ShadowtwinError('ST_ERR_USAGE', rest.length === 0 ? first! : `${this.problems.length} problems with the command line:\n${this.problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Re-words a config error (ST_ERR_CONFIG_INVALID / ST_ERR_SCENARIO_INVALID,
 * whose details are the issues) so each problem with a value that came from
 * a flag names the flag (`--listen: "abc" is not HOST:PORT`) instead of the
 * config path (`listen: …`), and adds the problems already found in the
 * flags themselves, so every problem is still listed at once. `flagOf` maps
 * config paths to the flags that were given; a path matches its own entry or
 * a parent's (`primary[0]` → `primary`). Anything else passes through.
 */
export function withFlagNames(err: unknown, flagOf: Record<string, string | undefined>, flagProblems: readonly string[] = []): unknown {
  if (!(err instanceof ShadowtwinError) || !Array.isArray(err.details)) return err;
  const issues = err.details as ConfigIssue[];
  const lines = [
    ...flagProblems.map((p) => `  - ${p}`),
    ...issues.map((i) => {
      const key = Object.keys(flagOf).find((p) => flagOf[p] !== undefined && (i.path === p || i.path.startsWith(`${p}.`) || i.path.startsWith(`${p}[`)));
      return `  - ${key ? flagOf[key] : i.path}: ${i.message}${i.fix ? ` (fix: ${i.fix})` : ''}`;
    }),
  ];
  const label = /^(.*) has \d+ problems?:/.exec(err.message)?.[1] ?? 'the configuration';
  return new ShadowtwinError(err.code, `${label} has ${lines.length} problem${lines.length === 1 ? '' : 's'}:\n${lines.join('\n')}`, { cause: err, details: err.details });
}
