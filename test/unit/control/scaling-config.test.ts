import { describe, expect, it } from 'vitest';
import { ShadowtwinError } from '../../../src/common/index.js';
import { parseControllerConfig } from '../../../src/control/controller-config.js';

const validation = { target: 'http://127.0.0.1:15001' };

describe('controller config: scaling targets', () => {
  it('takes a target with the scaler\'s pieces and fills the defaults', () => {
    const c = parseControllerConfig({
      services: [{ name: 'shop', scaling: [{ target: 'web', capacityPerReplica: '50', policy: { maxReplicas: 4, leadTimeMs: '30s' }, actuator: { kind: 'membership', admin: 'http://127.0.0.1:15000', pool: ['http://10.0.0.1:80', 'http://10.0.0.2:80'] }, slo: { p99Ms: 300 }, mode: 'approve', interval: '30s', validation }] }],
    });
    const t = c.services[0]!.scaling[0]!;
    expect(t).toMatchObject({ target: 'web', capacityPerReplica: 50, mode: 'approve', interval: 30_000, minConfidence: 0.5, approveWithin: 3_600_000 });
    expect(t.policy).toMatchObject({ maxReplicas: 4, leadTimeMs: 30_000, minReplicas: 1, targetUtilization: 0.7 });
    expect(t.slo).toEqual({ p99Ms: 300, errorRate: 0.01 });
    expect(t.validation).toMatchObject({ target: 'http://127.0.0.1:15001', duration: 20_000, maxAttempts: 3 });
    expect(parseControllerConfig({ services: [{ name: 'shop' }] }).services[0]!.scaling).toEqual([]);
  });

  it('lists every problem at once, with the scaler\'s own actuator rules', () => {
    let err: ShadowtwinError | undefined;
    try {
      parseControllerConfig({
        services: [{
          name: 'shop', scaling: [
            { target: 'web', actuator: { kind: 'membership' }, policy: { minReplicas: 5, maxReplicas: 2 }, validation: { ...validation, maxCpu: 2 } },
            { target: 'web', capacityPerReplica: 10, costModel: { file: 'c.json', resourcePerReplica: 1 }, mode: 'sometimes', validation: { target: 'not a url' } },
          ],
        }],
      });
    } catch (e) { err = e as ShadowtwinError; }
    expect(err?.code).toBe('ST_ERR_CONFIG_INVALID');
    const paths = (err!.details as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining([
      'services[0].scaling[0]', // neither capacity nor cost model
      'services[0].scaling[0].actuator', // membership without admin and pool
      'services[0].scaling[0].policy.minReplicas', // above max
      'services[0].scaling[0].validation.maxCpu', // no CPU query
      'services[0].scaling[1]', // both capacity and cost model
      'services[0].scaling[1].target', // twice
      'services[0].scaling[1].mode',
      'services[0].scaling[1].validation.target',
    ]));
    expect(err!.message).toMatch(/membership needs services\[0\]\.scaling\[0\]\.actuator\.admin/);
  });
});
