// A TelemetryService receiver in its own process, for tests that SIGKILL it:
// argv listen address, commit file, commit delay in ms (long enough that batches queue up); token in
// SHADOWTWIN_TEST_TOKEN. Each commit waits the delay (so batches are in
// flight when the process dies), then appends one line per window to the
// file and fsyncs before the ack. Prints {"address"} as one JSON line.
import { fsyncSync, openSync, writeSync } from 'node:fs';

const { startTelemetryReceiver } = await import(new URL('../../dist/src/control/index.js', import.meta.url).href);
const [listen, file, delay] = process.argv.slice(2);
const fd = openSync(file, 'a');
const r = await startTelemetryReceiver({
  listen,
  token: process.env.SHADOWTWIN_TEST_TOKEN,
  commit: async (b) => {
    await new Promise((res) => setTimeout(res, Number(delay)));
    writeSync(fd, b.windows.map((w) => JSON.stringify({ batch: b.batchId, end: w.end })).join('\n') + '\n');
    fsyncSync(fd);
  },
});
process.stdout.write(`${JSON.stringify({ address: r.address })}\n`);
