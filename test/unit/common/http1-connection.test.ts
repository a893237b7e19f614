import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Connection, renderRequest } from '../../../src/common/http1-connection.js';

const servers: Array<Server | NetServer> = [];
afterEach(async () => { for (const s of servers.splice(0)) await new Promise((r) => s.close(() => r(undefined))); });

async function listen<T extends Server | NetServer>(s: T): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as AddressInfo).port;
}

describe('Http1Connection (the raw HTTP/1.1 client)', () => {
  it('reads Content-Length and chunked bodies on one keep-alive connection, and sends bodies', async () => {
    const seen: string[] = [];
    const sockets = new Set<unknown>();
    const port = await listen(createServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        if (req.url === '/chunked') { res.write('a'.repeat(5000)); setTimeout(() => res.end('b'.repeat(3)), 5); }
        else if (req.url === '/empty') { res.statusCode = 204; res.end(); }
        else res.end('hello');
      });
    }));
    const c = new Http1Connection('127.0.0.1', port);
    const host = `127.0.0.1:${port}`;
    expect(await c.send(renderRequest('GET', '/a', host, { 'user-agent': 't' }, null), false)).toEqual({ status: 200, bytes: 5 });
    expect(await c.send(renderRequest('GET', '/chunked', host, {}, null), false)).toEqual({ status: 200, bytes: 5003 });
    expect(await c.send(renderRequest('GET', '/empty', host, {}, null), false)).toEqual({ status: 204, bytes: 0 });
    expect(await c.send(renderRequest('POST', '/p', host, { 'content-type': 'text/plain' }, Buffer.from('xyz')), false)).toEqual({ status: 200, bytes: 5 });
    expect(await c.send(renderRequest('HEAD', '/a', host, {}, null), true)).toMatchObject({ status: 200, bytes: 0 });
    expect(seen).toEqual(['GET /a ', 'GET /chunked ', 'GET /empty ', 'POST /p xyz', 'HEAD /a ']);
    expect(sockets.size).toBe(1);
    c.close();
  });

  it('reads to the close when the server gives no length, reconnects, and reports a reset as an error', async () => {
    let n = 0;
    const port = await listen(createNetServer((sock: Socket) => {
      sock.once('data', () => {
        n++;
        if (n === 1) sock.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil-close');
        else if (n === 2) sock.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        else sock.destroy();
      });
    }));
    const c = new Http1Connection('127.0.0.1', port);
    const req = renderRequest('GET', '/', `127.0.0.1:${port}`, {}, null);
    expect(await c.send(req, false)).toEqual({ status: 200, bytes: 11 });
    expect(await c.send(req, false)).toEqual({ status: 200, bytes: 2 });
    await expect(c.send(req, false)).rejects.toMatchObject({ code: 'ECONNRESET' });
    c.close();
  });

  it('reads header names in any case, honours HTTP/1.0 and Connection: close, and fails malformed responses', async () => {
    const answers = [
      'HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 3\r\nX-Other: 1\r\n\r\nabc',
      'HTTP/1.1 201 Created\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
      'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', // 1.0 without keep-alive: the connection closes after
      'HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n',
      'SSH-2.0-OpenSSH_9.2\r\n\r\n',
    ];
    let connections = 0;
    let n = 0;
    const port = await listen(createNetServer((sock: Socket) => {
      connections++;
      sock.on('data', () => { sock.write(answers[n++]!); });
    }));
    const c = new Http1Connection('127.0.0.1', port);
    const req = renderRequest('GET', '/', `127.0.0.1:${port}`, {}, null);
    expect(await c.send(req, false)).toEqual({ status: 200, bytes: 3 });
    expect(await c.send(req, false)).toEqual({ status: 201, bytes: 2 });
    expect(await c.send(req, false)).toEqual({ status: 200, bytes: 2 });
    expect(connections).toBe(1);
    await expect(c.send(req, false)).rejects.toMatchObject({ code: 'HPE_INVALID_CONTENT_LENGTH' });
    expect(connections).toBe(2); // the HTTP/1.0 answer closed the first connection
    await expect(c.send(req, false)).rejects.toMatchObject({ code: 'HPE_INVALID_CONSTANT' });
    c.close();
  });
});
