/**
 * Import commit progress (issue 15 #7, "saving" phase): the session tells what it is doing while a
 * large import is committed — saving (one all-or-nothing transaction), then the keyword index with
 * counts — and the import panel's words for it, with a time left from the phase's own rate.
 */
import { describe, expect, it } from 'vitest';
import { EngineSession } from '../../src/core/engine/session.ts';
import { MemoryStore } from '../../src/core/store/store.ts';
import type { EngineEvent, ImportProgressEvent } from '../../src/protocol.ts';
import { commitProgressText } from '../../src/ui/library/import-progress.ts';

function seedText(): string {
  return ['Get trending papers in your email inbox once a day!', 'Get trending papers in your email inbox!', 'SubscribeA seed paper on video', 'We study video models in depth.'].join('\n');
}

function jsonLines(n: number): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ title: `Imported paper ${i} on tidal pools`, abstract: `Observation ${i} of anemones and barnacles in a tidal pool, measured over a season.`, year: 2020 })).join('\n');
}

describe('import commit progress', () => {
  it('says "saving", then counts papers into the keyword index up to the total, before the reply', async () => {
    const events: EngineEvent[] = [];
    let clock = 0;
    const s = new EngineSession({
      openStore: async () => ({ store: new MemoryStore() }),
      loadModel: async () => {
        throw new Error('no model in this test');
      },
      seedText,
      emit: (e) => events.push(e),
      // Every reading of the clock moves it 50 ms: the throttle lets an event through every few slices.
      now: () => (clock += 50),
    });
    await s.init({ autoIndex: false });
    const { parseImport } = await import('../../src/core/import/index.ts');
    const parsed = parseImport('lib.jsonl', jsonLines(3000));
    const preview = s.stagePreview({ format: parsed.format, fileName: 'lib.jsonl', papers: parsed.papers, issues: parsed.issues, duplicates: [], report: parsed.report });
    events.length = 0;
    const res = await s.commitImport(preview.token, 'lib', preview.paperIds);
    expect(res.added).toBe(3000);
    const progress = events.filter((e): e is ImportProgressEvent => e.kind === 'import');
    expect(progress[0]).toEqual({ kind: 'import', phase: 'saving', done: 0, total: 3000 });
    const indexing = progress.filter((e) => e.phase === 'indexing');
    expect(indexing.length).toBeGreaterThan(2); // counts in between, not just start and end
    expect(indexing.some((e) => e.done > 0 && e.done < 3000)).toBe(true);
    expect(indexing.map((e) => e.done)).toEqual([...indexing.map((e) => e.done)].sort((a, b) => a - b));
    expect(indexing.at(-1)).toEqual({ kind: 'import', phase: 'indexing', done: 3000, total: 3000 });
  });

  it('words: saving has no count; indexing counts, with a time left once a tenth is done', () => {
    expect(commitProgressText(null, 0)).toBe('Starting the import…');
    expect(commitProgressText({ kind: 'import', phase: 'saving', done: 0, total: 25_000 }, 3)).toBe('Saving 25,000 papers to this browser…');
    expect(commitProgressText({ kind: 'import', phase: 'saving', done: 0, total: 1 }, 0)).toBe('Saving 1 paper to this browser…');
    expect(commitProgressText({ kind: 'import', phase: 'indexing', done: 1000, total: 25_000 }, 1)).toBe('Adding to the keyword index: 1,000 / 25,000 papers');
    // 5,000 in 2 s → 20,000 left at 2,500/s = 8 s.
    expect(commitProgressText({ kind: 'import', phase: 'indexing', done: 5000, total: 25_000 }, 2)).toBe('Adding to the keyword index: 5,000 / 25,000 papers · about 8 s left');
    expect(commitProgressText({ kind: 'import', phase: 'indexing', done: 25_000, total: 25_000 }, 9)).toBe('Adding to the keyword index: 25,000 / 25,000 papers');
  });
});
