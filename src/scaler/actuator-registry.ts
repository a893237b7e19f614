import { ShadowtwinError } from '../common/index.js';
import type { Actuator } from './actuator.js';
import { DryRunActuator } from './dry-run-actuator.js';
import { KubernetesActuator } from './kubernetes-actuator.js';
import { MembershipActuator } from './membership-actuator.js';
import type { ActuatorConfig } from './scaler-config.js';
import { WebhookActuator } from './webhook-actuator.js';

type Builders = { [K in ActuatorConfig['kind']]: (c: Extract<ActuatorConfig, { kind: K }>) => Actuator };

/** unreachable after parseScalerConfig (its checks name the missing setting); kept for configs built in code. */
function needs(what: string): never {
  throw new ShadowtwinError('ST_ERR_CONFIG_INVALID', `the actuator config needs ${what}; validate it with parseScalerConfig`);
}

/** The actuators, by config kind: one file each, one constructor here. */
export const ACTUATORS: Builders = {
  'dry-run': (c) => new DryRunActuator(c.current),
  kubernetes: (c) => new KubernetesActuator({
    ...(c.server ? { server: c.server, token: c.token, insecure: c.insecure } : {}),
    namespace: c.namespace ?? needs('namespace'),
    kind: c.deployment ? 'deployments' : 'statefulsets',
    name: c.deployment ?? c.statefulset ?? needs('deployment or statefulset'),
    respectHpa: c.respectHpa,
  }),
  membership: (c) => new MembershipActuator(c.admin ?? needs('admin'), c.pool?.length ? c.pool : needs('pool'), c.token),
  webhook: (c) => new WebhookActuator(c.url ?? needs('url'), c.current, c.token),
};

/** The actuator a validated config describes. */
export function createActuator(c: ActuatorConfig): Actuator {
  return (ACTUATORS[c.kind] as (c: ActuatorConfig) => Actuator)(c);
}
