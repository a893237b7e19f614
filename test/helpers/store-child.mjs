// A controller store in its own process, for tests that need a real second
// process: `write DIR full|normal` opens the store, then appends a batch of two
// windows and one event at a time and prints `ack N` after each append
// returns (a telemetry receiver acks at that point), forever; `open DIR`
// opens the store and prints one JSON line (the error's code and message, or ok).
import { ControllerStore } from '../../dist/src/control/index.js';
import { RouteStatsTable } from '../../dist/src/common/index.js';
import { windowFromTable } from '../../dist/src/common/contracts/index.js';

const [mode, dataDir, sync] = process.argv.slice(2);
let store;
try {
  store = ControllerStore.open({ dataDir, synchronous: sync === 'normal' ? 'normal' : 'full' });
} catch (err) {
  process.stdout.write(JSON.stringify({ code: err.code, message: err.message }) + '\n');
  process.exit(3);
}
if (mode === 'open') {
  process.stdout.write(JSON.stringify({ ok: true, pid: process.pid }) + '\n');
  store.close();
  process.exit(0);
}
const table = new RouteStatsTable();
for (let r = 0; r < 5; r++) for (let i = 0; i < 10; i++) table.get(`/r${r}`, 'GET').record(200, 1 + i, 10, 100, false);
const routes = windowFromTable({ service: 's', pod: 'p', role: 'primary' }, 0, 1, table).routes;
process.stdout.write(`ready ${process.pid}\n`);
let n = 0;
function step() {
  const start = n * 1000;
  store.appendWindows([
    { kind: 'shadowtwin.window', version: 1, source: { service: 'kill', pod: 'a', role: 'primary' }, start, end: start + 1000, routes },
    { kind: 'shadowtwin.window', version: 1, source: { service: 'kill', pod: 'b', role: 'primary' }, start, end: start + 1000, routes },
  ]);
  store.appendEvent({ kind: 'batch', service: 'kill', payload: { n } });
  process.stdout.write(`ack ${n}\n`);
  n++;
  setImmediate(step);
}
step();
