/**
 * The Content-Security-Policy of the site, in one place. Three carriers use it (issue 14 #13):
 * - the `<meta http-equiv>` tag Vite writes into index.html at build time (vite.config.ts) — the
 *   only carrier every static host honours, but it governs the document only;
 * - `public/_headers` (Netlify / Cloudflare Pages), checked against HEADER_POLICY by a unit test;
 * - the service worker, which adds the header to the same-origin responses it serves (src/sw/sw.ts),
 *   so on hosts that cannot send headers (GitHub Pages) the page and its workers get the full
 *   policy from the second visit on.
 *
 * Why each source is needed (measured under the policy in tests/e2e/hardening.test.ts):
 * - 'wasm-unsafe-eval': onnxruntime-web and hnswlib-wasm compile WebAssembly; nothing needs eval.
 * - worker-src 'self' blob:: the engine, import and map workers are same-origin module scripts;
 *   onnxruntime-web may spawn its thread workers from a blob: URL.
 * - connect-src 'self': models, runtime and shipped vectors are fetched from the site itself; the app
 *   never contacts another origin (guarded by the e2e network recorder as well).
 * - form-action 'none': the only form (search) never submits (its handler prevents it).
 * - no 'unsafe-inline' anywhere: Svelte's build extracts component CSS to a file and the app sets
 *   styles through the CSSOM only, so an injected inline script, handler or style does not apply.
 *
 * A `<meta>` policy cannot carry frame-ancestors (Chromium warns and ignores it), hence two strings.
 */
const DIRECTIVES: [string, string][] = [
  ['default-src', "'self'"],
  ['script-src', "'self' 'wasm-unsafe-eval'"],
  ['worker-src', "'self' blob:"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

/** The policy for a `<meta http-equiv="Content-Security-Policy">` tag. */
export const META_POLICY = DIRECTIVES.map(([k, v]) => `${k} ${v}`).join('; ');

/** The policy as a response header: the meta policy plus what only a header can carry. */
export const HEADER_POLICY = `${META_POLICY}; frame-ancestors 'none'`;
