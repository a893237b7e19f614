// http-proxy used plainly (its documented defaults plus a keep-alive agent).
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const proxy = httpProxy.createProxyServer({ target: upstream, agent: new Agent({ keepAlive: true, maxSockets: 256 }) });
proxy.on('error', (_e, _req, res) => { (res as import('node:http').ServerResponse).statusCode = 502; res.end(); });
createServer((req, res) => proxy.web(req, res)).listen(port, '127.0.0.1');
