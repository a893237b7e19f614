import { writeFileSync } from 'node:fs';

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** Every path the small access log holds (and so every path a model built from it may send). */
export const SMALL_LOG_PATH = /^(\/inventory\?page=[0-4]|\/orders\/1\d{3}|\/orders\/2\d{3}\/items)$/;

/**
 * A small combined-format access log (200 requests over 5 minutes, three
 * routes with distinctive paths) for building a real request model with
 * `shadowtwin profile build` in tests.
 */
export function writeSmallAccessLog(file: string): void {
  const t0 = Date.UTC(2026, 10, 20, 10, 0, 0);
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const d = new Date(t0 + i * 1500);
    const ts = `${pad(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
    const path = i % 3 === 0 ? `/inventory?page=${i % 5}` : i % 3 === 1 ? `/orders/${1000 + i}` : `/orders/${2000 + i}/items`;
    lines.push(`10.0.0.${i % 7} - - [${ts}] "GET ${path} HTTP/1.1" 200 ${100 + i} "-" "curl/8.5.0"`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
}
