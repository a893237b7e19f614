import { request } from 'undici';
import { ShadowtwinError } from '../common/index.js';

/** Something that can read and set a size. */
export interface Actuator {
  readonly name: string;
  current(): Promise<number>;
  /** Returns what was actually done (for the record). */
  apply(replicas: number, reason: string): Promise<string>;
}

async function json(method: string, url: string, token: string | undefined, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: unknown }> {
  const res = await request(url, {
    method: method as 'GET',
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.statusCode, body: parsed };
}

export interface KubernetesTarget {
  /** API server base URL (in a pod: https://kubernetes.default.svc). */
  server: string;
  token?: string;
  namespace: string;
  kind: 'deployments' | 'statefulsets';
  name: string;
  /** If an HPA manages the target: raise its minReplicas instead of fighting it (default true). */
  respectHpa?: boolean;
}

/**
 * Kubernetes: the scale subresource of a Deployment/StatefulSet
 * (`GET/PATCH /apis/apps/v1/namespaces/{ns}/{kind}/{name}/scale`, JSON merge
 * patch). When an HorizontalPodAutoscaler targets it, its `minReplicas` is
 * raised instead (the HPA would undo a direct change), and the record says so.
 */
export class KubernetesActuator implements Actuator {
  readonly name = 'kubernetes';
  constructor(private readonly t: KubernetesTarget) {}

  private scaleUrl(): string {
    return new URL(`/apis/apps/v1/namespaces/${encodeURIComponent(this.t.namespace)}/${this.t.kind}/${encodeURIComponent(this.t.name)}/scale`, this.t.server).toString();
  }

  private async check(r: { status: number; body: unknown }, what: string): Promise<void> {
    if (r.status >= 300) {
      const msg = (r.body as { message?: string })?.message ?? String(r.body).slice(0, 200);
      throw new ShadowtwinError(r.status === 401 || r.status === 403 ? 'ST_ERR_ADMIN_UNAUTHORIZED' : 'ST_ERR_INPUT_UNREADABLE', `Kubernetes ${what} failed (HTTP ${r.status}): ${msg}`);
    }
  }

  async current(): Promise<number> {
    const r = await json('GET', this.scaleUrl(), this.t.token);
    await this.check(r, `read ${this.t.kind}/${this.t.name} scale`);
    return Number((r.body as { spec?: { replicas?: number } }).spec?.replicas ?? 0);
  }

  private async findHpa(): Promise<{ name: string; minReplicas: number; maxReplicas: number } | undefined> {
    const r = await json('GET', new URL(`/apis/autoscaling/v2/namespaces/${encodeURIComponent(this.t.namespace)}/horizontalpodautoscalers`, this.t.server).toString(), this.t.token);
    await this.check(r, 'list HPAs');
    const kind = this.t.kind === 'deployments' ? 'Deployment' : 'StatefulSet';
    const items = ((r.body as { items?: Array<{ metadata: { name: string }; spec: { minReplicas?: number; maxReplicas: number; scaleTargetRef: { kind: string; name: string } } }> }).items) ?? [];
    const hpa = items.find((i) => i.spec.scaleTargetRef.kind === kind && i.spec.scaleTargetRef.name === this.t.name);
    return hpa ? { name: hpa.metadata.name, minReplicas: hpa.spec.minReplicas ?? 1, maxReplicas: hpa.spec.maxReplicas } : undefined;
  }

  async apply(replicas: number, _reason?: string): Promise<string> {
    if (this.t.respectHpa !== false) {
      const hpa = await this.findHpa();
      if (hpa) {
        const min = Math.min(replicas, hpa.maxReplicas);
        const r = await json('PATCH', new URL(`/apis/autoscaling/v2/namespaces/${encodeURIComponent(this.t.namespace)}/horizontalpodautoscalers/${encodeURIComponent(hpa.name)}`, this.t.server).toString(), this.t.token, { spec: { minReplicas: min } }, 'application/merge-patch+json');
        await this.check(r, `patch HPA ${hpa.name}`);
        return `HPA ${hpa.name} manages ${this.t.kind}/${this.t.name}: raised its minReplicas ${hpa.minReplicas} → ${min} instead of scaling directly`;
      }
    }
    const r = await json('PATCH', this.scaleUrl(), this.t.token, { spec: { replicas } }, 'application/merge-patch+json');
    await this.check(r, `scale ${this.t.kind}/${this.t.name}`);
    return `scaled ${this.t.kind}/${this.t.name} to ${replicas}`;
  }
}

/** A sidecar's membership set: the first N hosts of a pool are in rotation. */
export class MembershipActuator implements Actuator {
  readonly name = 'membership';
  constructor(private readonly admin: string, private readonly pool: readonly string[], private readonly token?: string) {}
  async current(): Promise<number> {
    const r = await json('GET', new URL('/membership', this.admin).toString(), this.token);
    if (r.status !== 200) throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `cannot read membership from ${this.admin}: HTTP ${r.status}`);
    return ((r.body as { primary: unknown[] }).primary ?? []).length;
  }
  async apply(replicas: number, _reason?: string): Promise<string> {
    const n = Math.max(1, Math.min(this.pool.length, replicas));
    const members = this.pool.slice(0, n);
    const r = await json('PUT', new URL('/membership', this.admin).toString(), this.token, { primary: members });
    if (r.status !== 200) throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `membership change at ${this.admin} failed: HTTP ${r.status}`);
    return `membership set to ${n} host(s)${replicas > this.pool.length ? ` (wanted ${replicas}; the pool has ${this.pool.length})` : ''}`;
  }
}

/** POSTs every decision as JSON; the receiver does the scaling. */
export class WebhookActuator implements Actuator {
  readonly name = 'webhook';
  private last: number;
  constructor(private readonly url: string, initial: number, private readonly token?: string) { this.last = initial; }
  async current(): Promise<number> { return this.last; }
  async apply(replicas: number, reason: string): Promise<string> {
    const r = await json('POST', this.url, this.token, { replicas, reason, at: new Date().toISOString() });
    if (r.status >= 300) throw new ShadowtwinError('ST_ERR_INPUT_UNREADABLE', `webhook ${this.url} answered HTTP ${r.status}`);
    this.last = replicas;
    return `webhook notified: ${replicas}`;
  }
}

/** Records decisions, changes nothing (forecast-only mode). */
export class DryRunActuator implements Actuator {
  readonly name = 'dry-run';
  constructor(private replicas: number) {}
  async current(): Promise<number> { return this.replicas; }
  async apply(replicas: number, _reason?: string): Promise<string> { return `dry run: would scale ${this.replicas} → ${replicas}`; }
}
