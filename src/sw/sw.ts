/// <reference lib="webworker" />
/**
 * Service worker (built by vite-plugin-pwa in injectManifest mode; the precache list — app shell,
 * onnxruntime-web files, the default model, the shipped vectors — is injected at `self.__WB_MANIFEST`
 * from vite.config.ts's globPatterns).
 *
 * Versioning: Workbox keys every cached entry by URL + content revision. A new build's SW installs
 * next to the old one, downloads only entries whose revision changed, waits (registerType 'prompt')
 * until the page asks it to take over, then on activate deletes every entry the new manifest no longer
 * lists — so the old build's files disappear cleanly and unchanged model files are never re-downloaded.
 *
 * Cross-origin isolation and CSP: responses served from the cache keep the headers the host sent; and
 * because some hosts (GitHub Pages) cannot send COOP/COEP/CSP at all, this worker adds them to the
 * same-origin responses it serves. A page loaded through the SW is therefore cross-origin isolated (multi-threaded
 * WASM) on such hosts from the second visit on; the first visit runs single-threaded.
 */
import { PrecacheController, PrecacheRoute, cleanupOutdatedCaches, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';
import { HEADER_POLICY } from '../browser/csp.ts';

const sw = self as unknown as ServiceWorkerGlobalScope;

/**
 * Headers every same-origin response served from the cache gets when the host did not send them:
 * cross-origin isolation, and the Content-Security-Policy (src/browser/csp.ts) — the meta tag
 * covers only the document, and hosts like GitHub Pages cannot send the header, so this is how the
 * workers and the frame-ancestors rule get the policy there. A host's own header is kept.
 */
const ISOLATION: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Content-Security-Policy': HEADER_POLICY,
};

/** Same-origin, readable responses get the headers above if the host did not send them; others pass untouched. */
function withIsolation(response: Response): Response {
  if (response.type !== 'basic' && response.type !== 'default') return response;
  const missing = Object.keys(ISOLATION).filter((h) => !response.headers.has(h));
  if (missing.length === 0 || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const h of missing) headers.set(h, ISOLATION[h]);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

const plugins: WorkboxPlugin[] = [
  {
    // Workbox fetches revisioned entries with cache:'reload', bypassing the HTTP cache: on a first
    // visit that downloads the 34 MB model and 27 MB runtime twice (once by the page, once here).
    // 'no-cache' revalidates instead (ETag/Last-Modified → 304 reuses the bytes just downloaded),
    // which is still guaranteed fresh.
    requestWillFetch: async ({ request }) => (request.cache === 'reload' ? new Request(request, { cache: 'no-cache' }) : request),
    handlerWillRespond: async ({ response }) => withIsolation(response),
  },
];

const precache = new PrecacheController({ plugins });
// Written out literally: workbox-build finds `self.__WB_MANIFEST` in the built file and injects the list.
const manifest = (self as unknown as { __WB_MANIFEST: (string | PrecacheEntry)[] }).__WB_MANIFEST;
precache.precache(manifest);
registerRoute(new PrecacheRoute(precache, { ignoreURLParametersMatching: [/^utm_/, /^fbclid$/] }));
// Any in-scope navigation (e.g. "/?shipped=0" or a deep link) is answered with the app shell offline.
registerRoute(new NavigationRoute(precache.createHandlerBoundToURL('index.html')));
cleanupOutdatedCaches();
// First install: take control of the open page at once, so its later fetches are served from cache.
// Updates still wait for the user (SKIP_WAITING below), because a running page must not change code.
clientsClaim();

/** Short id of this build's precache list (changes whenever any revision changes). */
const buildId = (() => {
  let h = 0x811c9dc5;
  for (const e of manifest) {
    const s = typeof e === 'string' ? e : `${e.url}|${e.revision ?? ''}`;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
})();

export interface OfflineReport {
  type: 'atlas-offline-status';
  build: string;
  total: number;
  cached: number;
  bytes: number;
  /** A few URLs not (yet) in the cache, for diagnostics. */
  missing: string[];
}

/** Counts precache entries actually present in Cache Storage (install may still be running). */
async function offlineReport(): Promise<OfflineReport> {
  const cache = await caches.open(precache.strategy.cacheName);
  const keys = [...precache.getURLsToCacheKeys().values()];
  const present = await Promise.all(keys.map((k) => cache.match(k)));
  let bytes = 0;
  for (const r of present) bytes += Number(r?.headers.get('content-length') ?? 0);
  const missing = keys.filter((_, i) => !present[i]);
  return { type: 'atlas-offline-status', build: buildId, total: keys.length, cached: keys.length - missing.length, bytes, missing: missing.slice(0, 5) };
}

sw.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data = event.data as { type?: string } | undefined;
  if (data?.type === 'SKIP_WAITING') void sw.skipWaiting();
  else if (data?.type === 'atlas-offline-status') {
    event.waitUntil(offlineReport().then((r) => event.ports[0]?.postMessage(r)));
  }
});
