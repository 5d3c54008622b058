/**
 * The shareable part of the page state lives in the URL: `?q=` (the question) and `&mode=`.
 * Test/diagnostic switches: `device=wasm|webgpu` forces a backend; `shipped=0` ignores the build's
 * precomputed vectors (embed everything on this device); `model=<id>` picks the embedding model.
 */
import type { DeviceChoice, SearchMode } from '../../protocol.ts';

export interface UrlState {
  q: string;
  mode?: SearchMode;
  device?: DeviceChoice;
  shipped?: boolean;
  /** Model id to use (tests; normally the stored choice or the default). */
  model?: string;
}

const MODES: SearchMode[] = ['hybrid', 'vector', 'lexical'];
const DEVICES: DeviceChoice[] = ['auto', 'webgpu', 'wasm'];

export function readUrlState(search: string): UrlState {
  const p = new URLSearchParams(search);
  const mode = p.get('mode') as SearchMode | null;
  const device = p.get('device') as DeviceChoice | null;
  const shipped = p.get('shipped');
  return {
    q: p.get('q') ?? '',
    mode: mode && MODES.includes(mode) ? mode : undefined,
    device: device && DEVICES.includes(device) ? device : undefined,
    shipped: shipped === null ? undefined : shipped !== '0',
    model: p.get('model') ?? undefined,
  };
}

/** replaceState, not pushState: typing must not flood the history. Keeps unrelated params. */
export function writeUrlState(s: { q: string; mode: SearchMode }): void {
  const u = new URL(location.href);
  if (s.q.trim()) u.searchParams.set('q', s.q);
  else u.searchParams.delete('q');
  if (s.mode !== 'hybrid') u.searchParams.set('mode', s.mode);
  else u.searchParams.delete('mode');
  if (u.href !== location.href) history.replaceState(null, '', u);
}
