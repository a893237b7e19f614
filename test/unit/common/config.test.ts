import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSidecarConfig, parseSidecarConfig, ShadowtwinError, type ConfigIssue } from '../../../src/common/index.js';

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ShadowtwinError);
    expect((err as ShadowtwinError).code).toBe('ST_ERR_CONFIG_INVALID');
    return (err as ShadowtwinError).details as ConfigIssue[];
  }
  throw new Error('expected a config error');
}

describe('sidecar config', () => {
  it('applies defaults and freezes the result', () => {
    const c = parseSidecarConfig({ primary: ['http://127.0.0.1:8080'] });
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 15001 });
    expect(c.admin.listen).toEqual({ host: '127.0.0.1', port: 15000 });
    expect(c.mirror.methods).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(c.capture.maxBodyBytes).toBe(64 * 1024);
    expect(c.upstream.responseTimeout).toBe(30_000);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.mirror.methods)).toBe(true);
  });

  it('reports every problem at once, each with its path and a fix', () => {
    const issues = issuesOf(() => parseSidecarConfig({
      primary: ['not a url'],
      listen: 'nowhere',
      mirror: { fraction: 2, methds: ['GET'] },
      capture: { mode: 'everything' },
      upstream: { responseTimeout: 'soon' },
      admin: { listen: '0.0.0.0:15000' },
    }));
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining([
      'primary[0]', 'listen', 'mirror.fraction', 'mirror.methds', 'capture.mode', 'upstream.responseTimeout', 'admin.token',
    ]));
    expect(issues.find((i) => i.path === 'mirror.methds')?.fix).toBe('did you mean "methods"?');
    expect(issues.find((i) => i.path === 'admin.token')?.fix).toMatch(/admin-token|127\.0\.0\.1/);
    expect(issues.find((i) => i.path === 'upstream.responseTimeout')?.message).toMatch(/30s/);
  });

  it('refuses mirroring without a secondary (a secondary that is a primary is refused at start, by resolved address)', () => {
    const b = issuesOf(() => parseSidecarConfig({ primary: ['http://127.0.0.1:8080'], mirror: { fraction: 0.5 } }));
    expect(b.map((i) => i.path)).toContain('mirror.fraction');
  });

  it('requires a primary and says how to give one', () => {
    const issues = issuesOf(() => parseSidecarConfig({}));
    expect(issues[0]).toMatchObject({ path: 'primary', message: 'is required' });
  });

  it('layers file < env < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-config-'));
    const file = join(dir, 'shadowtwin.yaml');
    writeFileSync(file, 'primary: [http://127.0.0.1:1111]\nlisten: 127.0.0.1:2000\nmirror:\n  maxRate: 5\n');
    const c = loadSidecarConfig({
      file,
      env: { SHADOWTWIN_LISTEN: '127.0.0.1:3000', SHADOWTWIN_PRIMARY: 'http://127.0.0.1:2222' },
      flags: { listen: '127.0.0.1:4000' },
    });
    expect(c.listen.port).toBe(4000);
    expect(c.primary).toEqual(['http://127.0.0.1:2222']);
    expect(c.mirror.maxRate).toBe(5);
  });

  it('names the file when it is missing or not YAML', () => {
    expect(() => loadSidecarConfig({ file: '/nonexistent/shadowtwin.yaml' })).toThrow(/cannot read config file \/nonexistent\/shadowtwin.yaml: ENOENT/);
    const dir = mkdtempSync(join(tmpdir(), 'st-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'primary: [unclosed\n');
    expect(() => loadSidecarConfig({ file })).toThrow(/not valid YAML/);
  });
});

describe('admin loopback check', () => {
  it('is decided on addresses, not on a host name that starts with "127."', () => {
    const needsToken = (listen: string): boolean => {
      try {
        parseSidecarConfig({ primary: ['http://127.0.0.1:8080'], admin: { listen } });
        return false;
      } catch (err) {
        return ((err as ShadowtwinError).details as ConfigIssue[]).some((i) => i.path === 'admin.token');
      }
    };
    for (const l of ['127.0.0.1:15000', '127.0.0.9:15000', '[::1]:15000', 'localhost:15000', '[::ffff:127.0.0.1]:15000']) expect(needsToken(l), l).toBe(false);
    for (const l of ['127.attacker.example:15000', '0.0.0.0:15000', '[::]:15000', '10.0.0.5:15000']) expect(needsToken(l), l).toBe(true);
  });
});
