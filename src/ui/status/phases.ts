/**
 * The progress panel's rows, one per vector space (quick index, full model, second model), from
 * the engine's status (papers in each space's index, of the library: the counts) and the latest
 * embed event of that space (only whether it runs, its rate and ETA). Pure, so the counts shown are testable
 * without a browser.
 */
import type { EmbedProgressEvent, EngineStatus } from '../../protocol.ts';

export interface PhaseRow {
  role: 'quick' | 'primary' | 'extra';
  label: string;
  /** Papers of the library in this space's index (status.spaces[].indexed). */
  done: number;
  total: number;
  complete: boolean;
  /** Papers are being embedded for this space right now. */
  active: boolean;
  /** Not started yet in this run (an earlier space is still running). */
  waiting: boolean;
  rate: number;
  eta?: number;
  basis?: EmbedProgressEvent['basis'];
}

/**
 * A quick-tier batch at least this big is worth showing (the progress panel's row, the status
 * line's "building…"): the quick tier takes ~1 s per 2,000 papers here, a few hundred are instant.
 */
export const QUICK_ROW_MIN = 1000;

const LABEL: Record<PhaseRow['role'], string> = { quick: 'Quick index', primary: 'Full model', extra: 'Second model' };

export function phaseRows(status: EngineStatus, embeds: Partial<Record<string, EmbedProgressEvent>>): PhaseRow[] {
  const total = status.papers;
  return status.spaces.map((s) => {
    const e = embeds[s.role];
    const active = !!e && e.done < e.total && status.phase === 'indexing';
    // Papers in the space's index: the number the status bar and the collections list show too
    // (the engine sends a status after every batch). The embed event only adds rate and ETA.
    const done = Math.min(total, s.indexed);
    const model = status.models.find((m) => m.id === s.modelId)?.label ?? s.modelId.split('/').pop() ?? s.modelId;
    return {
      role: s.role,
      label: s.role === 'quick' ? LABEL.quick : `${LABEL[s.role]} (${model})`,
      done,
      total,
      complete: s.ready || done >= total,
      active,
      waiting: !active && !s.ready && status.phase === 'indexing',
      rate: active ? e!.rate : 0,
      eta: active ? e!.eta : undefined,
      basis: active ? e!.basis : undefined,
    };
  });
}

export interface GraphRow {
  role: PhaseRow['role'];
  label: string;
  /** Vectors in the search graph of all the space's vectors. */
  covered: number;
  total: number;
}

/**
 * One row per space whose nearest-neighbour graph is still growing (large libraries only: below
 * the exact threshold there is no graph). Search works meanwhile, so the row says so; it disappears
 * when the graph covers every vector.
 */
export function graphRows(status: EngineStatus): GraphRow[] {
  const rows: GraphRow[] = [];
  for (const s of status.spaces) {
    const g = s.graph;
    if (!g || g.covered >= g.total) continue;
    const model = status.models.find((m) => m.id === s.modelId)?.label ?? s.modelId.split('/').pop() ?? s.modelId;
    rows.push({ role: s.role, label: s.role === 'quick' ? 'Search graph (quick index)' : `Search graph (${model})`, covered: g.covered, total: g.total });
  }
  return rows;
}

/** Some space's search graph is being built (worth showing the progress panel for). */
export function buildingGraph(status: EngineStatus): boolean {
  return graphRows(status).length > 0;
}
