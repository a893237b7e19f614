// The profiler bench's reference: one bare Node process reading a Combined
// Log Format file the straightforward way (stream, split on newlines, the
// textbook CLF regular expression, numbers parsed, nothing kept), i.e. what
// parsing alone costs in one process on this machine right now.
// Prints {lines, matched} as one JSON line.
import { createReadStream } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: bare-clf-parse.js FILE');
const CLF = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+) ([^"]+)" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"/;
let lines = 0;
let matched = 0;
let bytes = 0;
let rest = '';
for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const parts = (rest + (chunk as string)).split('\n');
  rest = parts.pop()!;
  for (const line of parts) {
    lines++;
    const m = CLF.exec(line);
    if (m) { matched++; bytes += m[9] === '-' ? 0 : Number(m[9]); }
  }
}
if (rest) { lines++; if (CLF.test(rest)) matched++; }
process.stdout.write(JSON.stringify({ lines, matched, bytes }) + '\n');
