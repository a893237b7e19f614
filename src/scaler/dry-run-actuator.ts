import type { Actuator } from './actuator.js';

/** Records decisions, changes nothing (forecast-only mode). */
export class DryRunActuator implements Actuator {
  readonly name = 'dry-run';
  constructor(private replicas: number) {}
  async current(): Promise<number> { return this.replicas; }
  async apply(replicas: number, _reason?: string): Promise<string> { return `dry run: would scale ${this.replicas} → ${replicas}`; }
}
