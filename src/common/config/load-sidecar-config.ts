import { parseHostPort, isLoopback } from '../address.js';
import type { ConfigIssue } from './config-issues.js';
import { loadConfig, validateConfig, type PlainObject } from './load-config.js';
import { sidecarConfigSchema, type SidecarConfig } from './sidecar-config.js';

/** Rules that involve more than one field; they see the raw merged input. */
export function sidecarChecks(raw: PlainObject): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const admin = (raw.admin ?? {}) as PlainObject;
  const adminListen = typeof admin.listen === 'string' ? parseHostPort(admin.listen) : undefined;
  if (adminListen && !isLoopback(adminListen.host) && !admin.token) {
    issues.push({
      path: 'admin.token',
      message: `is required because admin.listen (${String(admin.listen)}) is not a loopback address`,
      fix: 'set --admin-token / SHADOWTWIN_ADMIN_TOKEN (16+ characters) or bind the admin port to 127.0.0.1',
    });
  }
  // A secondary that is a primary host is refused when the sidecar starts, by resolved
  // address (ST_ERR_SAFETY_TARGET_IS_PRIMARY), never here by URL text: every alias
  // (127.1, localhost, ::ffff:127.0.0.1, the same URL) gets the same code.
  const mirror = (raw.mirror ?? {}) as PlainObject;
  if (typeof mirror.fraction === 'number' && mirror.fraction > 0 && raw.secondary === undefined) {
    issues.push({ path: 'mirror.fraction', message: 'is above 0 but no secondary is configured', fix: 'set --secondary URL or --mirror 0' });
  }
  return issues;
}

/** SHADOWTWIN_* variables, shaped like the config so they merge as a layer. */
export function sidecarEnvLayer(env: NodeJS.ProcessEnv): PlainObject {
  const num = (v: string | undefined): number | string | undefined => (v === undefined ? undefined : Number.isNaN(Number(v)) ? v : Number(v));
  const list = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));
  return {
    listen: env.SHADOWTWIN_LISTEN,
    primary: list(env.SHADOWTWIN_PRIMARY),
    secondary: env.SHADOWTWIN_SECONDARY,
    admin: { listen: env.SHADOWTWIN_ADMIN_LISTEN, token: env.SHADOWTWIN_ADMIN_TOKEN },
    capture: { file: env.SHADOWTWIN_CAPTURE_FILE, mode: env.SHADOWTWIN_CAPTURE_MODE, salt: env.SHADOWTWIN_CAPTURE_SALT },
    mirror: { fraction: num(env.SHADOWTWIN_MIRROR_FRACTION) },
    logLevel: env.SHADOWTWIN_LOG_LEVEL,
  };
}

export function loadSidecarConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; flags?: PlainObject } = {}): SidecarConfig {
  return loadConfig({
    schema: sidecarConfigSchema,
    label: 'sidecar config',
    file: opts.file,
    env: opts.env ? sidecarEnvLayer(opts.env) : undefined,
    flags: opts.flags,
    checks: sidecarChecks,
  });
}

/** For library users: validate an object (e.g. built in code) the same way. */
export function parseSidecarConfig(input: unknown): SidecarConfig {
  return validateConfig(sidecarConfigSchema, input, 'sidecar config', sidecarChecks);
}
