/**
 * Issue 14 #13: the Content-Security-Policy carriers agree with src/browser/csp.ts. The meta tag is
 * generated from it at build time (vite.config.ts) and the service worker imports it; `_headers`
 * is a static file Netlify / Cloudflare Pages read, so it is checked here. The browser side (the app
 * works under the policy, injected script refused) is tests/e2e/hardening.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HEADER_POLICY, META_POLICY } from '../../src/browser/csp.ts';

const root = new URL('../../', import.meta.url);

/** Header name → value of the `/*` block of a Netlify-style _headers file. */
function headersFor(file: string): Map<string, string> {
  const out = new Map<string, string>();
  let inAll = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) inAll = line.trim() === '/*';
    else if (inAll) {
      const i = line.indexOf(':');
      out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
  }
  return out;
}

describe('Content-Security-Policy', () => {
  it('public/_headers sends the header policy with the isolation headers', () => {
    const h = headersFor(new URL('public/_headers', root).pathname);
    expect(h.get('content-security-policy')).toBe(HEADER_POLICY);
    expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(h.get('cross-origin-embedder-policy')).toBe('require-corp');
  });

  it('is strict: no inline script or eval, no plug-ins, no base rewriting, no framing', () => {
    const d = new Map(HEADER_POLICY.split(';').map((x) => x.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(HEADER_POLICY).not.toMatch(/unsafe-inline|'unsafe-eval'|\*/);
    // A meta policy cannot carry frame-ancestors (Chromium ignores it with a console error).
    expect(META_POLICY).not.toContain('frame-ancestors');
  });

  it('the service worker adds the policy to the responses it serves', () => {
    const sw = readFileSync(new URL('src/sw/sw.ts', root), 'utf8');
    expect(sw).toMatch(/'Content-Security-Policy': HEADER_POLICY/);
  });
});
