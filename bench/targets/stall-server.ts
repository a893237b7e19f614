// Benchmark target: answers after ~1 ms; optionally stalls every response
// once for STALL_MS, STALL_AT_MS after its first request. GET /__count
// returns how many other requests it has seen (rate accuracy is counted here);
// GET /__stall how long the stall actually held responses, in ms, from its
// start to the last stalled response written (on a busy machine its timers
// fire late, so the stall is longer than asked: the reference for the
// coordinated-omission check uses this figure).
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const stallAt = Number(process.env.STALL_AT_MS ?? -1);
const stallMs = Number(process.env.STALL_MS ?? 0);
const serviceMs = Number(process.env.SERVICE_MS ?? 1);
let first = 0;
let stallStart = 0;
let stallUntil = 0;
let stallEnd = 0;
let count = 0;
createServer((req, res) => {
  if (req.url === '/__count') {
    res.end(String(count));
    return;
  }
  if (req.url === '/__stall') {
    res.end(String(stallEnd > 0 ? stallEnd - stallStart : 0));
    return;
  }
  count++;
  const now = Date.now();
  if (first === 0) first = now;
  if (stallAt >= 0 && stallUntil === 0 && now - first >= stallAt) { stallStart = now; stallUntil = now + stallMs; }
  const stalled = stallUntil > now;
  const wait = Math.max(serviceMs, stallUntil - now);
  setTimeout(() => {
    res.end('ok');
    if (stalled) stallEnd = Math.max(stallEnd, Date.now());
  }, wait);
}).listen(port, '127.0.0.1');
