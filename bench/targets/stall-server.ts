// Benchmark target: answers after ~1 ms; optionally stalls every response
// once for STALL_MS, STALL_AT_MS after its first request. GET /__count
// returns how many other requests it has seen (rate accuracy is counted here).
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const stallAt = Number(process.env.STALL_AT_MS ?? -1);
const stallMs = Number(process.env.STALL_MS ?? 0);
const serviceMs = Number(process.env.SERVICE_MS ?? 1);
let first = 0;
let stallUntil = 0;
let count = 0;
createServer((req, res) => {
  if (req.url === '/__count') {
    res.end(String(count));
    return;
  }
  count++;
  const now = Date.now();
  if (first === 0) first = now;
  if (stallAt >= 0 && stallUntil === 0 && now - first >= stallAt) stallUntil = now + stallMs;
  const wait = Math.max(serviceMs, stallUntil - now);
  setTimeout(() => res.end('ok'), wait);
}).listen(port, '127.0.0.1');
