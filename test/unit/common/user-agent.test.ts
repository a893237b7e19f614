import { describe, expect, it } from 'vitest';
import { parseAccessLogLine } from '../../../src/profiler/index.js';
import { USER_AGENT_EXAMPLES, userAgentExample, userAgentFamily } from '../../../src/common/index.js';

describe('user-agent families', () => {
  it('classifies every representative string back into its own family, also through an access-log line', () => {
    for (const [family, ua] of Object.entries(USER_AGENT_EXAMPLES)) {
      expect(userAgentFamily(ua ?? undefined), family).toBe(family);
      // What nginx writes (combined format; no header is "-") and the profiler reads back.
      const line = `198.18.0.1 - - [02/Dec/2026:06:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "${ua ?? '-'}"`;
      expect(userAgentFamily(parseAccessLogLine(line).userAgent), family).toBe(family);
    }
  });

  it('tells phones from desktops for browsers only', () => {
    expect(userAgentFamily('Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1')).toBe('chrome-mobile');
    expect(userAgentFamily('Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15')).toBe('firefox-mobile');
    expect(userAgentFamily('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')).toBe('chrome-mobile');
    expect(userAgentFamily('Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36 (compatible; Googlebot/2.1)')).toBe('bot');
    expect(userAgentFamily('okhttp/4.12.0 (Android 14)')).toBe('okhttp');
    expect(userAgentFamily('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')).toBe('chrome');
  });

  it('sends the "other" string for a family it has no entry for, and no header for none', () => {
    expect(userAgentExample('some-future-family')).toBe(USER_AGENT_EXAMPLES.other);
    expect(userAgentExample('none')).toBeNull();
  });
});
