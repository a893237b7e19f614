// A pool of capacity-limited workers (the "replicas" of a scalable service):
// each serves CONCURRENCY requests at a time, SERVICE_MS each, queues up to
// 200 more, then answers 503. Prints the worker URLs as one JSON line.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const n = Number(process.argv[2] ?? 8);
const concurrency = Number(process.env.CONCURRENCY ?? 1);
const serviceMs = Number(process.env.SERVICE_MS ?? 20);
const urls: string[] = [];
for (let i = 0; i < n; i++) {
  let active = 0;
  const queue: Array<() => void> = [];
  const s = createServer((req, res) => {
    req.resume();
    const run = (): void => { active++; setTimeout(() => { res.end('ok'); active--; queue.shift()?.(); }, serviceMs); };
    if (active < concurrency) run();
    else if (queue.length < 200) queue.push(run);
    else { res.statusCode = 503; res.end(); }
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  urls.push(`http://127.0.0.1:${(s.address() as AddressInfo).port}`);
}
process.stdout.write(JSON.stringify(urls) + '\n');
