/**
 * Page state of the map view: the map of the collections in scope (request `map`), layout progress,
 * colouring, the opened paper (abstract + neighbours), and the selection that limits searches.
 *
 * Invariants: a reply is shown only if it answers the newest request (like search.svelte.ts);
 * the selection lives in SearchState.within (the one place a search reads it), this module only
 * sets it and re-runs the search; a failed map request keeps the last map on screen and says why.
 */
import type { MapProgressEvent, MapResult, Paper, SearchHit } from '../../protocol.ts';
import type { EngineState } from '../shell/engine.svelte.ts';
import type { SearchState } from '../search/search.svelte.ts';
import { fitPoints, HOME, type Camera } from './camera.ts';
import type { ColourBy } from './colours.ts';

/** Neighbours drawn and listed for the opened paper. */
const RELATED_ON_MAP = 8;

export class MapState {
  result = $state.raw<MapResult | null>(null);
  error = $state('');
  loading = $state(false);
  progress = $state.raw<MapProgressEvent | null>(null);
  colourBy = $state<ColourBy>('cluster');
  camera = $state<Camera>({ ...HOME });
  /** The paper opened by a click (or from the list), its neighbours, or why they are missing. */
  opened = $state.raw<{ id: string; title: string; paper?: Paper; related: SearchHit[]; error?: string } | null>(null);
  /** Cluster whose members are the selection (picked in the cluster list), if any. */
  activeCluster = $state<number | null>(null);
  /** Layout progress events seen by this page (a reload that recomputes would show some). */
  layoutEvents = 0;
  private seq = 0;
  private off: (() => void) | undefined;

  constructor(
    private readonly engine: EngineState,
    private readonly search: SearchState,
  ) {}

  /** Starts listening to layout progress; returns the unsubscribe (the panel calls it on unmount). */
  attach(): () => void {
    this.off?.();
    this.off = this.engine.client?.on((e) => {
      if (e.kind === 'map') {
        this.progress = e;
        this.layoutEvents++;
      }
    });
    // Test/diagnostic hook (like window.__atlas): what is on the map, without reading pixels.
    (window as unknown as { __atlasMap: unknown }).__atlasMap = {
      source: () => this.result?.source ?? null,
      key: () => this.result?.map.key ?? null,
      ids: () => this.result?.map.ids ?? [],
      coords: () => Array.from(this.result?.map.coords ?? []),
      selection: () => this.selection,
      layoutEvents: () => this.layoutEvents,
    };
    return () => {
      this.off?.();
      this.off = undefined;
    };
  }

  /** Changes when the collections in scope change (the map follows the search's scope). */
  get scopeKey(): string {
    return [...this.search.scope].sort().join('|');
  }

  get selection(): string[] | null {
    return this.search.within;
  }

  /** Fetches the map of the current scope; `relayout` asks for a fresh layout. */
  async load(relayout = false): Promise<void> {
    const client = this.engine.client;
    if (!client || !this.engine.status) return;
    const my = ++this.seq;
    this.loading = true;
    try {
      const r = await client.request({ type: 'map', collections: this.search.collections, relayout });
      if (my !== this.seq) return;
      const changedRows = !this.result || this.result.map.key !== r.map.key;
      this.result = r;
      this.error = '';
      if (changedRows && this.selection) {
        // Keep only selected papers that are still on the map.
        const on = new Set(r.map.ids);
        const kept = this.selection.filter((id) => on.has(id));
        if (kept.length !== this.selection.length) this.select(kept.length ? kept : null);
      }
    } catch (e) {
      if (my === this.seq) this.error = (e as Error).message;
    } finally {
      if (my === this.seq) {
        this.loading = false;
        this.progress = null;
      }
    }
  }

  /** The selection limits searches: set it and search again (only if a question is asked). */
  select(ids: string[] | null, cluster: number | null = null): void {
    this.search.within = ids && ids.length ? ids : null;
    this.activeCluster = this.search.within ? cluster : null;
    if (this.search.query.trim()) void this.search.run();
  }

  /** Cluster list: zoom to the cluster and select its papers (again: clear). */
  pickCluster(id: number): void {
    const r = this.result;
    if (!r) return;
    if (this.activeCluster === id) {
      this.select(null);
      this.camera = { ...HOME };
      return;
    }
    const rows: number[] = [];
    r.map.cluster.forEach((c, i) => c === id && rows.push(i));
    this.camera = fitPoints(r.map.coords, rows);
    this.select(rows.map((i) => r.map.ids[i]!), id);
  }

  /** Opens a paper: its abstract and neighbours (drawn as links on the map). */
  async open(id: string): Promise<void> {
    const client = this.engine.client;
    const r = this.result;
    if (!client || !r) return;
    const title = r.titles[r.map.ids.indexOf(id)] ?? id;
    this.opened = { id, title, related: [] };
    try {
      const rel = await client.request({ type: 'related', paperId: id, k: RELATED_ON_MAP, collections: this.search.collections });
      if (this.opened?.id === id) this.opened = { id, title: rel.paper.title, paper: rel.paper, related: rel.hits };
    } catch (e) {
      if (this.opened?.id === id) this.opened = { id, title, related: [], error: (e as Error).message };
    }
  }

  close(): void {
    this.opened = null;
  }

  /** Ids of the current search hits, best first (the map sizes them by rank). */
  get hits(): string[] {
    return this.search.result?.hits.map((h) => h.paper.id) ?? [];
  }
}

/** `?view=map` opens the map (shareable, and how tests and screenshots get there). */
export type View = 'list' | 'map';

export function readView(search: string): View {
  return new URLSearchParams(search).get('view') === 'map' ? 'map' : 'list';
}

/** replaceState like url-state.ts: switching views must not flood the history. Keeps other params. */
export function writeView(view: View): void {
  const u = new URL(location.href);
  if (view === 'map') u.searchParams.set('view', 'map');
  else u.searchParams.delete('view');
  if (u.href !== location.href) history.replaceState(null, '', u);
}
