/**
 * Headers that mark shadowtwin's own traffic. A sidecar's data port refuses
 * (508, ST_ERR_SAFETY_LOOP_DETECTED) any request carrying either: shadow
 * copies or generated load that reach a sidecar were aimed at the wrong port,
 * and forwarding them would hit the primary a second time.
 */
/** Every shadow (mirrored) request carries it; requests carrying it are never mirrored again. */
export const SHADOW_HEADER = 'x-shadowtwin-shadow';
/** Every request the load generator sends carries it. */
export const LOAD_HEADER = 'x-shadowtwin-load';
