import { createWriteStream } from 'node:fs';

const PATHS = ['/', '/products', '/search?q=shoes&page=2', '/cart/add', '/checkout', '/static/app.js', '/api/v1/orders'];
const UAS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'okhttp/4.12.0'];
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Writes `lines` Combined Log Format lines (about 20 per second of log time, many clients, ids in paths). */
export async function writeCombinedLog(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const t0 = Date.UTC(2026, 10, 1);
  let buf = '';
  for (let i = 0; i < lines; i++) {
    const ts = new Date(t0 + i * 50);
    const p = rnd() < 0.4 ? `/products/${Math.floor(rnd() * 100000)}` : rnd() < 0.1 ? `/users/${Math.floor(rnd() * 5000).toString(36)}x/profile` : PATHS[Math.floor(rnd() * PATHS.length)]!;
    const method = p === '/cart/add' || p === '/checkout' ? 'POST' : 'GET';
    const status = rnd() < 0.01 ? 500 : rnd() < 0.03 ? 404 : 200;
    const d = ts;
    const time = `${String(d.getUTCDate()).padStart(2, '0')}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} +0000`;
    buf += `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)} - - [${time}] "${method} ${p} HTTP/1.1" ${status} ${Math.floor(rnd() * 20000)} "-" "${UAS[Math.floor(rnd() * UAS.length)]}"\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.on('finish', () => r()));
}
