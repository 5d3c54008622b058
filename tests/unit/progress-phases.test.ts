import { describe, expect, it } from 'vitest';
import { buildingGraph, graphRows, phaseRows } from '../../src/ui/status/phases.ts';
import type { EmbedProgressEvent, EngineStatus } from '../../src/protocol.ts';

const space = (role: 'quick' | 'primary' | 'extra', modelId: string, indexed: number, ready: boolean) => ({ role, modelId, modelState: 'ready' as const, indexed, stored: indexed, embedded: indexed, shipped: 0, ready });

function status(over: Partial<EngineStatus>): EngineStatus {
  return {
    phase: 'indexing', papers: 5204, collections: [], modelId: 'Xenova/bge-small-en-v1.5',
    models: [{ id: 'Xenova/bge-small-en-v1.5', label: 'bge-small-en-v1.5', bytes: 1, layers: 12 }],
    bestQuality: { modelId: 'x', on: false }, modelState: 'ready', semanticReady: false, indexedVectors: 0, indexKind: 'exact',
    embeddedCount: 0, storedVectors: 0, shippedVectors: 0, backend: 'wasm', threads: 2, crossOriginIsolated: true, storage: 'indexeddb',
    waitingForLock: false, indexRun: 'running', spaces: [], notices: [], ...over,
  };
}

describe('progress panel rows (one per phase)', () => {
  it('quick index complete, full model counting what the status has indexed, with the run’s rate and ETA', () => {
    const s = status({ spaces: [space('quick', 'static/bge-small-en-v1.5-d256', 5204, true), space('primary', 'Xenova/bge-small-en-v1.5', 1244, false)] });
    // This run has 5000 to do (the 204 seeds were shipped) and has done 1040 of them.
    const e: EmbedProgressEvent = { kind: 'embed', space: 'primary', done: 1040, total: 5000, rate: 4.2, eta: 943, basis: 'measured' };
    const [q, f] = phaseRows(s, { primary: e });
    expect(q).toMatchObject({ role: 'quick', label: 'Quick index', done: 5204, total: 5204, complete: true, active: false });
    expect(f).toMatchObject({ role: 'primary', label: 'Full model (bge-small-en-v1.5)', done: 1244, total: 5204, complete: false, active: true, rate: 4.2, eta: 943, basis: 'measured' });
  });

  it('shows the status’s count, the one the status bar shows, even when an event is ahead of it', () => {
    // Seen: panel 300, status bar 268 — the panel added the event's progress to the run's start.
    const s = status({ spaces: [space('quick', 'static/q', 6204, true), space('primary', 'Xenova/bge-small-en-v1.5', 268, false)] });
    const e: EmbedProgressEvent = { kind: 'embed', space: 'primary', done: 96, total: 6000, rate: 4.1, eta: 1435 };
    expect(phaseRows(s, { primary: e })[1]).toMatchObject({ done: 268, active: true, rate: 4.1 });
  });

  it('a space not reached yet in this run is waiting, with its stored count and no rate', () => {
    const s = status({ spaces: [space('quick', 'static/q', 300, false), space('primary', 'Xenova/bge-small-en-v1.5', 204, false)] });
    const e: EmbedProgressEvent = { kind: 'embed', space: 'quick', done: 96, total: 5000, rate: 2000 };
    const [q, f] = phaseRows(s, { quick: e });
    expect(q).toMatchObject({ active: true, done: 300, rate: 2000 });
    expect(f).toMatchObject({ active: false, waiting: true, done: 204, rate: 0, eta: undefined });
  });

  it('a finished run shows every phase complete', () => {
    const s = status({ phase: 'ready', indexRun: 'idle', spaces: [space('quick', 'static/q', 5204, true), space('primary', 'Xenova/bge-small-en-v1.5', 5204, true)] });
    const done: EmbedProgressEvent = { kind: 'embed', space: 'primary', done: 5000, total: 5000, rate: 4, eta: 0 };
    expect(phaseRows(s, { primary: done }).every((r) => r.complete && !r.active && !r.waiting)).toBe(true);
  });

  it('counts what the status already has when it is ahead of the last event (a paused run)', () => {
    const s = status({ indexRun: 'paused', spaces: [space('quick', 'static/q', 5204, true), space('primary', 'Xenova/bge-small-en-v1.5', 236, false)] });
    const e: EmbedProgressEvent = { kind: 'embed', space: 'primary', done: 16, total: 5000, rate: 1 };
    expect(phaseRows(s, { primary: e })[1]).toMatchObject({ done: 236, active: true });
  });

  it('a growing search graph gets its own row, gone once it covers every vector', () => {
    const growing = { ...space('primary', 'Xenova/bge-small-en-v1.5', 5204, true), graph: { covered: 1800, total: 5204 } };
    const s = status({ phase: 'ready', indexRun: 'idle', spaces: [space('quick', 'static/q', 5204, true), growing] });
    expect(graphRows(s)).toEqual([{ role: 'primary', label: 'Search graph (bge-small-en-v1.5)', covered: 1800, total: 5204 }]);
    expect(buildingGraph(s)).toBe(true);
    const done = status({ spaces: [{ ...growing, graph: { covered: 5204, total: 5204 } }] });
    expect(graphRows(done)).toEqual([]);
    expect(buildingGraph(done)).toBe(false);
    expect(graphRows(status({ spaces: [space('primary', 'Xenova/bge-small-en-v1.5', 204, true)] }))).toEqual([]);
  });
});
