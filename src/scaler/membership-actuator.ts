import { ERROR_CODES, ShadowtwinError, type ErrorCode } from '../common/index.js';

const isErrorCode = (c: string): c is ErrorCode => Object.hasOwn(ERROR_CODES, c);
import { requestJson as json, type Actuator } from './actuator.js';

/** A sidecar's membership set: the first N hosts of a pool are in rotation. */
export class MembershipActuator implements Actuator {
  readonly name = 'membership';
  constructor(private readonly admin: string, private readonly pool: readonly string[], private readonly token?: string) {}
  hosts(): readonly string[] { return this.pool; }
  async current(): Promise<number> {
    const r = await json('GET', new URL('/membership', this.admin).toString(), this.token);
    if (r.status !== 200) throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `cannot read membership from ${this.admin}: HTTP ${r.status}`);
    return ((r.body as { primary: unknown[] }).primary ?? []).length;
  }
  async apply(replicas: number, _reason?: string): Promise<string> {
    const n = Math.max(1, Math.min(this.pool.length, replicas));
    const members = this.pool.slice(0, n);
    const r = await json('PUT', new URL('/membership', this.admin).toString(), this.token, { primary: members });
    if (r.status !== 200) {
      // The sidecar's own refusal (a pool host that is its secondary: ST_ERR_SAFETY_TARGET_IS_PRIMARY) keeps its code and reason.
      const e = (r.body as { error?: { code?: string; message?: string } })?.error;
      if (e?.code && isErrorCode(e.code)) throw new ShadowtwinError(e.code, `membership change at ${this.admin} refused: ${e.message ?? ''}`);
      throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `membership change at ${this.admin} failed: HTTP ${r.status}`);
    }
    return `membership set to ${n} host(s)${replicas > this.pool.length ? ` (wanted ${replicas}; the pool has ${this.pool.length})` : ''}`;
  }
}
