export interface FeedbackState { headroom: number; breaches: number; forecastErrors: Array<{ horizonMs: number; error: number }> }

/**
 * Feedback after a round: raise the headroom by 10% after an SLO breach,
 * lower it by 2% when the last observation used under half the target
 * utilisation, within [1, 2]; keep the forecast's relative error per horizon.
 */
export function feedback(state: FeedbackState, obs: { sloBreached: boolean; utilization: number; targetUtilization: number; forecastRate?: number; observedRate?: number; horizonMs?: number }): FeedbackState {
  let headroom = state.headroom;
  if (obs.sloBreached) headroom = Math.min(2, headroom * 1.1);
  else if (obs.utilization < obs.targetUtilization / 2) headroom = Math.max(1, headroom * 0.98);
  const errors = [...state.forecastErrors];
  if (obs.forecastRate !== undefined && obs.observedRate !== undefined && obs.observedRate > 0) {
    errors.push({ horizonMs: obs.horizonMs ?? 0, error: Math.abs(obs.forecastRate - obs.observedRate) / obs.observedRate });
    if (errors.length > 500) errors.shift();
  }
  return { headroom: Math.round(headroom * 1000) / 1000, breaches: state.breaches + (obs.sloBreached ? 1 : 0), forecastErrors: errors };
}
