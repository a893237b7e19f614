import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { parseHostPort } from '../address.js';

/** A duration given as `30s`/`5m`/`250ms` or a number of milliseconds. */
export const durationMs = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration; write e.g. 250ms, 30s, 5m or a number of milliseconds` });
    return z.NEVER;
  }
  return ms;
});

const fmt = (ms: number): string => (ms >= 3_600_000 && ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000}m` : ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/**
 * A duration with bounds: every timer has a floor (0 or a tiny interval
 * would spin the CPU) and a ceiling (a typo of hours would hold resources
 * for a day). `off: true` also accepts 0, meaning "disabled".
 */
export function boundedDuration(min: number, max: number, opts: { off?: boolean } = {}) {
  return durationMs.superRefine((ms, ctx) => {
    if (opts.off && ms === 0) return;
    if (!Number.isFinite(ms) || ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `${fmt(ms)} is out of range: use ${fmt(min)} to ${fmt(max)}${opts.off ? ', or 0 to disable' : ''}` });
    }
  });
}

/** `HOST:PORT`; `:PORT` or `PORT` means loopback. */
export const hostPort = z.string().transform((v, ctx) => {
  const hp = parseHostPort(v);
  if (!hp) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not HOST:PORT; write e.g. 127.0.0.1:15000, 0.0.0.0:8080 or [::1]:9000` });
    return z.NEVER;
  }
  return hp;
});

/** An absolute http(s) URL, normalised to its origin (no path). */
export const httpOrigin = z.string().transform((v, ctx) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a URL; write e.g. http://127.0.0.1:8080` });
    return z.NEVER;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `"${v}" must start with http:// or https://` });
    return z.NEVER;
  }
  if (u.username || u.password) {
    ctx.addIssue({ code: 'custom', message: `"${v}" carries credentials (user:password@); give only scheme://host:port` });
    return z.NEVER;
  }
  if (u.pathname !== '/' || u.search || u.hash) {
    ctx.addIssue({ code: 'custom', message: `"${v}" has a path or query; give only scheme://host:port (paths are forwarded as the client sent them)` });
    return z.NEVER;
  }
  return u.origin;
});

export const percent = z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');
export const fraction = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
export const byteSize = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(v.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a size; write e.g. 65536, 64KiB or 100MiB` });
    return z.NEVER;
  }
  const mult: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
  return Math.round(Number(m[1]) * mult[(m[2] ?? 'b').toLowerCase()]!);
});
