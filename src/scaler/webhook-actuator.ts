import { ShadowtwinError } from '../common/index.js';
import { requestJson as json, type Actuator } from './actuator.js';

/** POSTs every decision as JSON; the receiver does the scaling. */
export class WebhookActuator implements Actuator {
  readonly name = 'webhook';
  private last: number;
  constructor(private readonly url: string, initial: number, private readonly token?: string) { this.last = initial; }
  async current(): Promise<number> { return this.last; }
  async apply(replicas: number, reason: string): Promise<string> {
    const r = await json('POST', this.url, this.token, { replicas, reason, at: new Date().toISOString() });
    if (r.status >= 300) throw new ShadowtwinError('ST_ERR_SOURCE_UNREACHABLE', `webhook ${this.url} answered HTTP ${r.status}`);
    this.last = replicas;
    return `webhook notified: ${replicas}`;
  }
}
