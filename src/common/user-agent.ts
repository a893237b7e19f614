/**
 * Coarse user-agent families: enough to tell browsers from bots from SDKs
 * when synthesising traffic, without storing full UA strings.
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
  [/edg\//i, 'edge'],
  [/opr\/|opera/i, 'opera'],
  [/firefox\//i, 'firefox'],
  [/chrome\/|crios\//i, 'chrome'],
  [/safari\//i, 'safari'],
  [/mozilla\//i, 'browser-other'],
];

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
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(ua, family);
  return family;
}
