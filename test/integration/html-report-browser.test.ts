import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useCleanup } from '../helpers/servers.js';

// The HTML report opened in a real Chromium (Debian's `chromium`, installed by scripts/install-test-deps.sh) through
// playwright-core (a devDependency). Skipped, saying why, only when playwright-core cannot be imported.
const pw = await import('playwright-core').catch(() => undefined);
const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!pw)(`the HTML report in a real browser${pw ? '' : ' (skipped: playwright-core is not importable; it is a devDependency: npm install -D playwright-core@1.65)'}`, () => {
  const { server } = useCleanup();
  let browser: import('playwright-core').Browser | undefined;
  afterAll(async () => { await browser?.close(); });

  it('renders the run as the JSON says: figures, charts, tables, a failed threshold in red; no script runs, nothing is fetched', async () => {
    const s = await server((req, res) => { req.resume(); res.end('ok'); });
    const dir = mkdtempSync(join(tmpdir(), 'st-html-'));
    // A hostile path: if the report did not escape it, the image's onerror would run in the page.
    const hostile = '/q/"><img/src=x/onerror=window.__pwned=1>';
    const r = runCli(['generate', '--target', s.url, '--path', hostile, '--rate', '40', '--duration', '2s', '--threshold', 'p99 < 0.001ms', '--threshold', 'errors < 50%', '--quiet', '--out', join(dir, 'r.json'), '--html', join(dir, 'r.html')]);
    expect(await r.exit).toBe(4); // the p99 threshold cannot pass
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { summary: { requests: number; errors: number }; timeline: unknown[]; routes: Array<{ route: string }> };

    browser = await pw!.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
    const page = await browser.newPage();
    const problems: string[] = [];
    const fetched: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('request', (q) => fetched.push(q.url()));
    const url = pathToFileURL(join(dir, 'r.html')).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(problems).toEqual([]);
    expect(fetched).toEqual([url]); // self-contained: no script, style sheet, font or image is fetched
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.title()).toBe(`shadowtwin run report: ${s.url}`);
    // The figures are the JSON report's.
    const kpis = await page.locator('.kpi b').allInnerTexts();
    expect(kpis[0]).toBe(String(json.summary.requests));
    expect(kpis[2]).toBe(String(json.summary.errors));
    // Two charts, laid out with a real size, one point per second of the timeline in every series.
    const charts = page.locator('svg[role="img"]');
    expect(await charts.count()).toBe(2);
    for (let i = 0; i < 2; i++) {
      const box = (await charts.nth(i).boundingBox())!;
      expect(box.width).toBeGreaterThan(300);
      expect(box.height).toBeGreaterThan(80);
      const counts = await charts.nth(i).locator('polyline').evaluateAll((ps) => ps.map((p) => (p.getAttribute('points') ?? '').trim().split(/\s+/).length));
      expect(counts.length).toBeGreaterThanOrEqual(2);
      for (const c of counts) expect(c).toBe(json.timeline.length);
    }
    // The route table shows the hostile route as text.
    const routeCells = await page.locator('h2:text("Routes") + table tr td:first-child').allInnerTexts();
    expect(routeCells).toEqual(json.routes.map((x) => x.route));
    expect(routeCells[0]).toContain('<img/src=x/onerror=');
    // Thresholds: the failed one says FAIL in red and bold, the passing one pass in green.
    const rows = page.locator('h2:text("Thresholds") + table tr');
    const bad = rows.filter({ hasText: 'p99 < 0.001ms' }).locator('td').first();
    expect(await bad.innerText()).toBe('FAIL');
    expect(await bad.evaluate((e) => [getComputedStyle(e).color, getComputedStyle(e).fontWeight])).toEqual(['rgb(179, 38, 30)', '700']);
    const good = rows.filter({ hasText: 'errors < 50%' }).locator('td').first();
    expect(await good.innerText()).toBe('pass');
    expect(await good.evaluate((e) => getComputedStyle(e).color)).toBe('rgb(25, 122, 46)');
    expect(await page.locator('p strong').innerText()).toBe('FAIL');
  });
});
