// Bare pass-through proxy on node:http with a keep-alive Agent.
import { Agent, createServer, request } from 'node:http';

const [port, upstream] = [Number(process.argv[2]), new URL(process.argv[3]!)];
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
createServer((req, res) => {
  const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent }, (ur) => {
    res.writeHead(ur.statusCode!, ur.headers);
    ur.pipe(res);
  });
  up.on('error', () => { res.statusCode = 502; res.end(); });
  req.pipe(up);
}).listen(port, '127.0.0.1');
