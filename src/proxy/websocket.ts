import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type HttpProxy from 'http-proxy';
import { LOAD_HEADER, SHADOW_HEADER, type Logger } from '../common/index.js';
import type { UpstreamSet } from './upstream-set.js';

/**
 * Upgrade requests (websockets) are passed through by http-proxy: it handles
 * the 101 handshake and pipes both sockets, which the undici hot path does
 * not do. Upgrades are not captured as request records (no response end).
 */
/** `onLoop`: refuse shadowtwin-tagged upgrades and count each (a primary's sidecar); absent, they are forwarded (a secondary's). */
export function createUpgradeHandler(upstreams: UpstreamSet, log: Logger, onLoop?: () => void) {
  // Loaded on the first upgrade: most sidecars never see one, and it costs memory.
  let proxy: HttpProxy | undefined;
  const getProxy = (): HttpProxy => {
    if (proxy) return proxy;
    const httpProxy = createRequire(import.meta.url)('http-proxy') as typeof HttpProxy;
    proxy = httpProxy.createProxyServer({ ws: true, xfwd: true });
    proxy.on('error', (err, _req, socket) => {
      log.debug({ err: err.message }, 'websocket upgrade failed');
      if (socket && 'destroy' in socket) (socket as Duplex).destroy();
    });
    return proxy;
  };
  // Upgraded sockets leave the HTTP server's bookkeeping; track them so stop() can close them.
  const sockets = new Set<Duplex>();
  const handler = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (onLoop && (req.headers[SHADOW_HEADER] !== undefined || req.headers[LOAD_HEADER] !== undefined)) {
      // The loop guard of the request path (see Exchange): tagged traffic never reaches the primary.
      onLoop();
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 508 Loop Detected\r\nx-shadowtwin-error: ST_ERR_SAFETY_LOOP_DETECTED\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const member = upstreams.pick();
    if (!member) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy());
    getProxy().ws(req, socket, head, { target: member.origin });
  };
  return {
    handler,
    get open(): number { return sockets.size; },
    close: () => {
      for (const s of sockets) s.destroy();
      proxy?.close();
    },
  };
}
