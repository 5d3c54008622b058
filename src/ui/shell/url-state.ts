/**
 * The shareable part of the page state lives in the URL: `?q=` (the question), `&mode=`, the
 * filters `&from=` / `&to=` (years), `&author=`, `&venue=`, `&in=` (collections, comma-separated)
 * and `&sort=year`. Test/diagnostic switches: `device=wasm|webgpu` forces a backend; `shipped=0`
 * ignores the build's precomputed vectors; `model=<id>` picks the embedding model; `embedworker=0`
 * embeds documents on the engine's own model instance instead of the embedding worker.
 *
 * History: every committed search (Enter, a mode / filter / sort change, a recent question) is
 * its own history entry, so Back returns to the previous search instead of leaving the app.
 * Typing is not: the searches run while typing share ONE entry (the first pushes it, the rest
 * replace it), and the commit that follows takes that same entry over.
 */
import type { DeviceChoice, SearchFilters, SearchMode } from '../../protocol.ts';

export type SortOrder = 'relevance' | 'year';

export interface UrlState {
  q: string;
  mode?: SearchMode;
  device?: DeviceChoice;
  shipped?: boolean;
  /** `embedworker=0`: documents embed on the engine's own model instance (issue 15 #2 off). */
  embedWorker?: boolean;
  /** Model id to use (tests; normally the stored choice or the default). */
  model?: string;
  filters: SearchFilters;
  /** Collections in scope; empty = all. */
  scope: string[];
  sort: SortOrder;
}

/** The part of the page state the app writes back. */
export interface SearchUrl {
  q: string;
  mode: SearchMode;
  filters: SearchFilters;
  scope: string[];
  sort: SortOrder;
}

const MODES: SearchMode[] = ['hybrid', 'vector', 'lexical'];
const DEVICES: DeviceChoice[] = ['auto', 'webgpu', 'wasm'];

function year(v: string | null): number | undefined {
  if (!v || !/^\d{4}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

export function readUrlState(search: string): UrlState {
  const p = new URLSearchParams(search);
  const mode = p.get('mode') as SearchMode | null;
  const device = p.get('device') as DeviceChoice | null;
  const shipped = p.get('shipped');
  const filters: SearchFilters = {};
  const from = year(p.get('from'));
  const to = year(p.get('to'));
  if (from !== undefined) filters.yearFrom = from;
  if (to !== undefined) filters.yearTo = to;
  const author = p.get('author')?.trim().slice(0, 200);
  const venue = p.get('venue')?.trim().slice(0, 200);
  if (author) filters.author = author;
  if (venue) filters.venue = venue;
  return {
    q: p.get('q') ?? '',
    mode: mode && MODES.includes(mode) ? mode : undefined,
    device: device && DEVICES.includes(device) ? device : undefined,
    shipped: shipped === null ? undefined : shipped !== '0',
    embedWorker: p.get('embedworker') === null ? undefined : p.get('embedworker') !== '0',
    model: p.get('model') ?? undefined,
    filters,
    scope: (p.get('in') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    sort: p.get('sort') === 'year' ? 'year' : 'relevance',
  };
}

/** The URL for a search state; unrelated params (device, model…) are kept. */
export function urlFor(s: SearchUrl, href = location.href): URL {
  const u = new URL(href);
  const set = (k: string, v: string | undefined) => (v ? u.searchParams.set(k, v) : u.searchParams.delete(k));
  set('q', s.q.trim() ? s.q : undefined);
  set('mode', s.mode !== 'hybrid' ? s.mode : undefined);
  set('from', s.filters.yearFrom?.toString());
  set('to', s.filters.yearTo?.toString());
  set('author', s.filters.author?.trim() || undefined);
  set('venue', s.filters.venue?.trim() || undefined);
  set('in', s.scope.length ? s.scope.join(',') : undefined);
  set('sort', s.sort === 'year' ? 'year' : undefined);
  return u;
}

/** True while the current history entry belongs to a search being typed (see the module comment). */
let draft = false;

/**
 * Writes the search into the URL. 'commit': a search the user asked for (own history entry);
 * 'typing': a search run by the typing pause; 'restore': Back/Forward already set the URL.
 */
export function writeUrlState(s: SearchUrl, kind: 'commit' | 'typing' | 'restore' = 'commit'): void {
  if (kind === 'restore') {
    draft = false;
    return;
  }
  const u = urlFor(s);
  if (u.href === location.href) {
    if (kind === 'commit') draft = false;
    return;
  }
  if (draft) history.replaceState(null, '', u);
  else history.pushState(null, '', u);
  draft = kind === 'typing';
}
