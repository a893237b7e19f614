import { ShadowtwinError } from '../common/index.js';
import type { Actuator } from './actuator.js';

export interface KubernetesTarget {
  /**
   * API server base URL with `token`; when absent, the kubeconfig is used
   * (in a pod: the service account; otherwise $KUBECONFIG or ~/.kube/config).
   */
  server?: string;
  token?: string;
  /** Skip TLS verification of `server` (test clusters only). */
  insecure?: boolean;
  namespace: string;
  kind: 'deployments' | 'statefulsets';
  name: string;
  /** If an HPA manages the target: raise its minReplicas instead of fighting it (default true). */
  respectHpa?: boolean;
}

type K8s = typeof import('@kubernetes/client-node');
interface K8sClients { k8s: K8s; apps: InstanceType<K8s['AppsV1Api']>; autoscaling: InstanceType<K8s['AutoscalingV2Api']> }

/**
 * Kubernetes through `@kubernetes/client-node`: the scale subresource of a
 * Deployment/StatefulSet (`GET/PATCH /apis/apps/v1/namespaces/{ns}/{kind}/
 * {name}/scale`, JSON merge patch). When an HorizontalPodAutoscaler targets
 * it, its `minReplicas` is raised instead (the HPA would undo a direct
 * change), and the record says so. The client is imported on first use: it
 * takes ~0.7 s to load, which no other command should pay.
 */
export class KubernetesActuator implements Actuator {
  readonly name = 'kubernetes';
  private clients: Promise<K8sClients> | undefined;
  constructor(private readonly t: KubernetesTarget) {}

  private client(): Promise<K8sClients> {
    this.clients ??= (async () => {
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      if (this.t.server) {
        kc.loadFromOptions({
          // client-node refuses http:// unless skipTLSVerify is set; plain http (kubectl proxy) has no TLS to verify.
          clusters: [{ name: 'target', server: this.t.server, skipTLSVerify: this.t.insecure === true || this.t.server.startsWith('http:') }],
          users: [{ name: 'shadowtwin', ...(this.t.token ? { token: this.t.token } : {}) }],
          contexts: [{ name: 'shadowtwin', cluster: 'target', user: 'shadowtwin' }],
          currentContext: 'shadowtwin',
        });
      } else {
        kc.loadFromDefault();
      }
      return { k8s, apps: kc.makeApiClient(k8s.AppsV1Api), autoscaling: kc.makeApiClient(k8s.AutoscalingV2Api) };
    })();
    return this.clients;
  }

  /** Client errors carry the HTTP status and the API's Status object; keep what a person needs. */
  private fail(err: unknown, what: string): never {
    const e = err as { code?: number; body?: unknown; message?: string };
    const status = typeof e.code === 'number' ? e.code : undefined;
    // ApiException messages are "HTTP-Code: 401\nMessage: Unauthorized\nBody: …\nHeaders: …": keep the message line.
    let msg = /^Message: (.*)$/m.exec(e.message ?? '')?.[1] ?? (e.message ?? String(err)).split('\n')[0]!;
    try {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) as { message?: string } : e.body as { message?: string } | undefined;
      if (body?.message) msg = body.message;
    } catch { /* not JSON */ }
    if (status === undefined) throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `Kubernetes ${what} failed: ${msg}`, { cause: err });
    throw new ShadowtwinError(status === 401 || status === 403 ? 'ST_ERR_ADMIN_UNAUTHORIZED' : 'ST_ERR_INPUT_UNREADABLE', `Kubernetes ${what} failed (HTTP ${status}): ${msg}`, { cause: err });
  }

  async current(): Promise<number> {
    const { apps } = await this.client();
    const req = { name: this.t.name, namespace: this.t.namespace };
    try {
      const scale = this.t.kind === 'deployments' ? await apps.readNamespacedDeploymentScale(req) : await apps.readNamespacedStatefulSetScale(req);
      return Number(scale.spec?.replicas ?? 0);
    } catch (err) {
      return this.fail(err, `read ${this.t.kind}/${this.t.name} scale`);
    }
  }

  private async findHpa(): Promise<{ name: string; minReplicas: number; maxReplicas: number } | undefined> {
    const { autoscaling } = await this.client();
    let list;
    try {
      list = await autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: this.t.namespace });
    } catch (err) {
      return this.fail(err, 'list HPAs');
    }
    const kind = this.t.kind === 'deployments' ? 'Deployment' : 'StatefulSet';
    const hpa = list.items.find((i) => i.spec?.scaleTargetRef.kind === kind && i.spec.scaleTargetRef.name === this.t.name);
    return hpa ? { name: hpa.metadata!.name!, minReplicas: hpa.spec!.minReplicas ?? 1, maxReplicas: hpa.spec!.maxReplicas } : undefined;
  }

  async apply(replicas: number, _reason?: string): Promise<string> {
    const { k8s, apps, autoscaling } = await this.client();
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    if (this.t.respectHpa !== false) {
      const hpa = await this.findHpa();
      if (hpa) {
        const min = Math.min(replicas, hpa.maxReplicas);
        try {
          await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: hpa.name, namespace: this.t.namespace, body: { spec: { minReplicas: min } } }, merge);
        } catch (err) {
          this.fail(err, `patch HPA ${hpa.name}`);
        }
        return `HPA ${hpa.name} manages ${this.t.kind}/${this.t.name}: raised its minReplicas ${hpa.minReplicas} → ${min} instead of scaling directly`;
      }
    }
    const req = { name: this.t.name, namespace: this.t.namespace, body: { spec: { replicas } } };
    try {
      if (this.t.kind === 'deployments') await apps.patchNamespacedDeploymentScale(req, merge);
      else await apps.patchNamespacedStatefulSetScale(req, merge);
    } catch (err) {
      this.fail(err, `scale ${this.t.kind}/${this.t.name}`);
    }
    return `scaled ${this.t.kind}/${this.t.name} to ${replicas}`;
  }
}
