/**
 * Coarse user-agent families: enough to tell browsers from bots from SDKs,
 * and phones from desktops, when synthesising traffic, without storing full
 * UA strings. Browser families on a phone or tablet get a `-mobile` suffix.
 */
const RULES: ReadonlyArray<[RegExp, string]> = [
  [/googlebot|bingbot|yandex|baiduspider|duckduckbot|slurp|crawler|spider|bot\b|bot\/|headlesschrome/i, 'bot'],
  [/^curl\//i, 'curl'],
  [/^wget\//i, 'wget'],
  [/python-requests|python-urllib|aiohttp|httpx/i, 'python'],
  [/^go-http-client/i, 'go'],
  [/okhttp/i, 'okhttp'],
  [/^java\/|apache-httpclient/i, 'java'],
  [/axios|node-fetch|undici|^node/i, 'node'],
  [/k6\/|wrk|autocannon|apachebench|hey\/|jmeter|locust|shadowtwin/i, 'loadtest'],
  [/edg\/|edga\/|edgios\//i, 'edge'],
  [/opr\/|opera/i, 'opera'],
  [/firefox\/|fxios\//i, 'firefox'],
  [/chrome\/|crios\//i, 'chrome'],
  [/safari\//i, 'safari'],
  [/mozilla\//i, 'browser-other'],
];

const MOBILE = /mobile|android|iphone|ipad|ipod/i;
const BROWSERS = new Set(['edge', 'opera', 'firefox', 'chrome', 'safari', 'browser-other']);

const cache = new Map<string, string>();
const CACHE_MAX = 2048;

export function userAgentFamily(ua: string | undefined): string {
  if (!ua) return 'none';
  const hit = cache.get(ua);
  if (hit !== undefined) return hit;
  let family = 'other';
  for (const [re, name] of RULES) {
    if (re.test(ua)) { family = name; break; }
  }
  if (BROWSERS.has(family) && MOBILE.test(ua)) family += '-mobile';
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(ua, family);
  return family;
}

/**
 * One representative real user-agent string per family: what synthesised
 * traffic sends for a family, chosen so that `userAgentFamily` classifies it
 * back into the same family (a test checks every entry). `none` sends no
 * header at all.
 */
export const USER_AGENT_EXAMPLES: Readonly<Record<string, string | null>> = {
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'chrome-mobile': 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  firefox: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'firefox-mobile': 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0',
  safari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'safari-mobile': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'edge-mobile': 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0',
  opera: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0',
  'opera-mobile': 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 OPR/86.0.0.0',
  'browser-other': 'Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko',
  'browser-other-mobile': 'Mozilla/5.0 (Mobile; rv:48.0) Gecko/48.0 KaiOS/2.5',
  bot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  curl: 'curl/8.11.0',
  wget: 'Wget/1.21.4',
  python: 'python-requests/2.32.3',
  go: 'Go-http-client/1.1',
  okhttp: 'okhttp/4.12.0',
  java: 'Java/21.0.5',
  node: 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  loadtest: 'k6/0.55.0 (https://k6.io/)',
  other: 'Lynx/2.9.0 libwww-FM/2.14',
  none: null,
};

/** The string synthesised traffic sends for `family` (`other`'s for a family without an entry; null: send none). */
export function userAgentExample(family: string): string | null {
  const v = USER_AGENT_EXAMPLES[family];
  return v === undefined ? USER_AGENT_EXAMPLES.other! : v;
}
