import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesActuator } from '../../src/scaler/index.js';
import { readBody, startServer, type TestServer } from '../helpers/servers.js';

const TOKEN = 'test-serviceaccount-token';

/** Speaks the Kubernetes API paths and verbs the actuator uses, with bearer auth; records every request. */
async function fakeApiServer(opts: { withHpa: boolean }): Promise<TestServer & { calls: Array<{ method: string; url: string; type?: string; body?: unknown }>; state: { replicas: number; hpaMin: number } }> {
  const state = { replicas: 3, hpaMin: 2 };
  const calls: Array<{ method: string; url: string; type?: string; body?: unknown }> = [];
  const s = await startServer(async (req: IncomingMessage, res) => {
    const body = (await readBody(req)).toString();
    calls.push({ method: req.method!, url: req.url!, type: req.headers['content-type'], body: body ? JSON.parse(body) : undefined });
    const send = (status: number, obj: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { kind: 'Status', status: 'Failure', message: 'Unauthorized', code: 401 });
    const scalePath = '/apis/apps/v1/namespaces/shop/deployments/checkout/scale';
    if (req.url === scalePath && req.method === 'GET') return send(200, { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'checkout', namespace: 'shop' }, spec: { replicas: state.replicas }, status: { replicas: state.replicas } });
    if (req.url === scalePath && req.method === 'PATCH') {
      if (req.headers['content-type'] !== 'application/merge-patch+json') return send(415, { message: 'unsupported patch type' });
      state.replicas = JSON.parse(body).spec.replicas;
      return send(200, { kind: 'Scale', spec: { replicas: state.replicas } });
    }
    if (req.url === '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers' && req.method === 'GET') {
      return send(200, { kind: 'HorizontalPodAutoscalerList', items: opts.withHpa ? [{ metadata: { name: 'checkout-hpa' }, spec: { minReplicas: state.hpaMin, maxReplicas: 20, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout' } } }] : [] });
    }
    if (req.url === '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/checkout-hpa' && req.method === 'PATCH') {
      state.hpaMin = JSON.parse(body).spec.minReplicas;
      return send(200, {});
    }
    send(404, { message: `no route ${req.method} ${req.url}` });
  });
  return Object.assign(s, { calls, state });
}

describe('scaler actuators', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  it('Kubernetes: reads and patches the scale subresource with a merge patch, authenticated', async () => {
    const api = await fakeApiServer({ withHpa: false });
    cleanup.push(() => api.close());
    const k = new KubernetesActuator({ server: api.url, token: TOKEN, namespace: 'shop', kind: 'deployments', name: 'checkout' });
    expect(await k.current()).toBe(3);
    expect(await k.apply(7, 'forecast')).toBe('scaled deployments/checkout to 7');
    expect(api.state.replicas).toBe(7);
    const patch = api.calls.find((c) => c.method === 'PATCH')!;
    expect(patch).toMatchObject({ url: '/apis/apps/v1/namespaces/shop/deployments/checkout/scale', type: 'application/merge-patch+json', body: { spec: { replicas: 7 } } });
    const anon = new KubernetesActuator({ server: api.url, namespace: 'shop', kind: 'deployments', name: 'checkout' });
    await expect(anon.current()).rejects.toMatchObject({ code: 'ST_ERR_ADMIN_UNAUTHORIZED', message: expect.stringMatching(/HTTP 401.*Unauthorized/) });
  });

  it('Kubernetes: without --k8s-server the kubeconfig ($KUBECONFIG) names the cluster and the credentials', async () => {
    const api = await fakeApiServer({ withHpa: false });
    cleanup.push(() => api.close());
    const dir = mkdtempSync(join(tmpdir(), 'st-kube-'));
    const file = join(dir, 'config');
    writeFileSync(file, [
      'apiVersion: v1', 'kind: Config', 'current-context: test',
      'clusters:', `- name: fake`, `  cluster: { server: "${api.url}", insecure-skip-tls-verify: true }`,
      'users:', `- name: sa`, `  user: { token: "${TOKEN}" }`,
      'contexts:', '- name: test', '  context: { cluster: fake, user: sa, namespace: shop }', '',
    ].join('\n'));
    const before = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    cleanup.push(async () => { if (before === undefined) delete process.env.KUBECONFIG; else process.env.KUBECONFIG = before; });
    const k = new KubernetesActuator({ namespace: 'shop', kind: 'deployments', name: 'checkout' });
    expect(await k.current()).toBe(3);
    expect(await k.apply(5, 'forecast')).toBe('scaled deployments/checkout to 5');
    expect(api.calls.every((c) => c.url.startsWith('/apis/'))).toBe(true);
  });

  it('Kubernetes: raises an HPA\'s minReplicas instead of fighting it', async () => {
    const api = await fakeApiServer({ withHpa: true });
    cleanup.push(() => api.close());
    const k = new KubernetesActuator({ server: api.url, token: TOKEN, namespace: 'shop', kind: 'deployments', name: 'checkout' });
    expect(await k.apply(9, 'forecast')).toMatch(/HPA checkout-hpa .* raised its minReplicas 2 → 9 instead of scaling directly/);
    expect(api.state.hpaMin).toBe(9);
    expect(api.state.replicas).toBe(3);
    expect(api.calls.some((c) => c.method === 'PATCH' && c.url.endsWith('/scale'))).toBe(false);
  });
});
