// Two hostile mirror secondaries, run in their own process so their work is
// not charged to the primary path under test: `sleepy` reads the request and
// answers 2 s later; `blackhole` accepts connections and never reads them
// (mirrored bodies fill the socket buffers). Prints their ports as one JSON line.
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';

const sleepy = createServer((req, res) => { req.resume(); req.on('end', () => setTimeout(() => res.end('late'), 2000)); });
const held = [];
const blackhole = createNetServer((sock) => { sock.pause(); held.push(sock); });
await new Promise((r) => sleepy.listen(0, '127.0.0.1', r));
await new Promise((r) => blackhole.listen(0, '127.0.0.1', r));
process.stdout.write(`${JSON.stringify({ sleepy: sleepy.address().port, blackhole: blackhole.address().port })}\n`);
process.on('SIGTERM', () => process.exit(0));
