// Bare pass-through proxy: undici Pool.stream, no filters. The practical
// ceiling for one Node process forwarding HTTP (the sidecar's reference).
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const pool = new Pool(upstream, { connections: 256, pipelining: 1 });
createServer((req, res) => {
  pool.stream({ path: req.url!, method: req.method as 'GET', headers: req.headers as Record<string, string>, body: req.method === 'GET' || req.method === 'HEAD' ? null : req, opaque: res },
    ({ statusCode, headers, opaque }) => {
      const r = opaque as typeof res;
      delete headers.connection; delete headers['keep-alive']; delete headers['transfer-encoding'];
      r.writeHead(statusCode, headers as Record<string, string>);
      return r;
    },
    (err) => { if (err) { res.statusCode = 502; res.end(); } });
}).listen(port, '127.0.0.1');
