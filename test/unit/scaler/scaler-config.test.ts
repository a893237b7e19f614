import { describe, expect, it } from 'vitest';
import { createActuator, DryRunActuator, KubernetesActuator, MembershipActuator, parseScalerConfig, WebhookActuator } from '../../../src/scaler/index.js';

const problems = (input: unknown, names?: Record<string, string>): Array<{ path: string; message: string }> => {
  try {
    parseScalerConfig(input, { names });
  } catch (err) {
    expect((err as { code: string }).code).toBe('ST_ERR_CONFIG_INVALID');
    return (err as { details: Array<{ path: string; message: string }> }).details;
  }
  throw new Error('the config was accepted');
};

describe('scaler config', () => {
  it('lists every problem at once: a capacity that is not a number, max 0, min above max', () => {
    const p = problems({ capacityPerReplica: 'abc', policy: { maxReplicas: '0', minReplicas: '5' } });
    expect(p).toEqual([
      { path: 'capacityPerReplica', message: 'must be a number above 0, got "abc"' },
      { path: 'policy.maxReplicas', message: 'must be a whole number of at least 1, got "0"' },
      { path: 'policy.minReplicas', message: '5 is above policy.maxReplicas 0' },
    ]);
  });

  it('names problems as the user spelled them (flags), and checks actuator settings and the metrics address', () => {
    const p = problems({ capacityPerReplica: '0x10', horizonMs: 'soon', actuator: { kind: 'kubernetes', namespace: 'shop' }, metrics: { listen: '0.0.0.0:9466' } },
      { capacityPerReplica: '--capacity', horizonMs: '--horizon', actuator: '--actuator', 'actuator.namespace': '--namespace', 'actuator.deployment': '--deployment', 'actuator.statefulset': '--statefulset', 'metrics.listen': '--metrics-listen', 'metrics.token': '--metrics-token' });
    expect(p.map((i) => i.path)).toEqual(['--capacity', '--horizon', '--actuator', '--metrics-token']);
    expect(p[2]!.message).toBe('kubernetes needs --namespace and --deployment (or --statefulset)');
    expect(p[3]!.message).toMatch(/is required because --metrics-listen \(0\.0\.0\.0:9466\) is not a loopback address/);
    expect(problems({ capacityPerReplica: 5, actuator: { kind: 'magic' } })[0]).toEqual({ path: 'actuator.kind', message: 'must be dry-run, kubernetes, membership or webhook' });
    expect(problems({ capacityPerReplica: 5, policy: { minReplicas: 0 } })[0]!.path).toBe('policy.minReplicas');
  });

  it('converts flag text and fills defaults; the registry builds the configured actuator', () => {
    const c = parseScalerConfig({ capacityPerReplica: '50', horizonMs: '30m', policy: { leadTimeMs: '2m', targetUtilization: '0.6' } });
    expect(c).toMatchObject({ capacityPerReplica: 50, horizonMs: 1_800_000, intervalMs: 60_000, target: 'service', policy: { leadTimeMs: 120_000, targetUtilization: 0.6, minReplicas: 1, maxReplicas: 50, headroom: 1.1 }, actuator: { kind: 'dry-run', current: 1 } });
    expect(createActuator(c.actuator)).toBeInstanceOf(DryRunActuator);
    const k = parseScalerConfig({ capacityPerReplica: 1, actuator: { kind: 'kubernetes', namespace: 'shop', deployment: 'checkout' } });
    expect(createActuator(k.actuator)).toBeInstanceOf(KubernetesActuator);
    const m = parseScalerConfig({ capacityPerReplica: 1, actuator: { kind: 'membership', admin: 'http://127.0.0.1:15000', pool: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] } });
    expect(createActuator(m.actuator)).toBeInstanceOf(MembershipActuator);
    const w = parseScalerConfig({ capacityPerReplica: 1, actuator: { kind: 'webhook', url: 'http://127.0.0.1:9/hook', current: '3' } });
    expect(createActuator(w.actuator)).toBeInstanceOf(WebhookActuator);
  });
});
