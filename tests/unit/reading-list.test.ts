/**
 * The reading list (issue 11 feature 4): stored with the library (kept by a new session on the
 * same store), ordered newest star first, deleted papers drop out, carried by `.atlas` bundles.
 * Also the fielded filters and the author field of the lexical index (feature 2, bug 8).
 */
import { describe, expect, it } from 'vitest';
import { EngineSession, type SessionDeps } from '../../src/core/engine/session.ts';
import { MemoryStore } from '../../src/core/store/store.ts';
import { readBundle, writeBundle } from '../../src/core/import/bundle.ts';
import { paperId } from '../../src/core/library/ids.ts';
import type { Paper } from '../../src/core/types.ts';
import { paperFilter, validateFilters } from '../../src/core/search/filters.ts';

const seed = ['Get trending papers in your email inbox once a day!', 'Get trending papers in your email inbox!', 'Study of galaxies', 'We observe galaxies with telescopes.', 'Study of soil', 'We irrigate crops in dry soil.'].join('\n');

function session(store: MemoryStore) {
  const deps: SessionDeps = {
    openStore: async () => ({ store }),
    loadModel: async () => {
      throw new Error('no model in this test');
    },
    seedText: () => seed,
    emit: () => {},
  };
  return new EngineSession(deps);
}

const mine: Paper[] = [
  { title: 'Kelp Forest Recovery', abstract: 'Urchins removed.', authors: [{ family: 'García', given: 'María' }], year: 2017, venue: 'Marine Ecology Progress Series' },
  { title: 'Siamese Networks', abstract: 'Simple siamese learning.', authors: [{ family: 'Chen', given: 'Xinlei' }], year: 2021, venue: 'CVPR' },
].map((p) => ({ ...p, id: paperId(p.title), collection: 'mine' }));

describe('reading list', () => {
  it('is stored with the library, newest star first; deleted papers drop out', async () => {
    const store = new MemoryStore();
    const a = session(store);
    await a.init({ autoIndex: false });
    await a.addPapers(mine);
    await a.star([mine[0]!.id], true);
    expect((await a.star([mine[1]!.id, 'no-such-id'], true)).map((p) => p.title)).toEqual(['Siamese Networks', 'Kelp Forest Recovery']);
    const b = session(store);
    await b.init({ autoIndex: false });
    expect(b.readingList().map((p) => p.title)).toEqual(['Siamese Networks', 'Kelp Forest Recovery']);
    await b.deletePapers([mine[1]!.id]);
    expect(b.readingList().map((p) => p.title)).toEqual(['Kelp Forest Recovery']);
    expect((await b.star([mine[0]!.id], false)).length).toBe(0);
  });

  it('travels in .atlas bundles', () => {
    const bytes = writeBundle({ collection: 'mine', papers: mine, starred: new Set([mine[1]!.id]) });
    expect(readBundle(bytes).starred).toEqual([mine[1]!.id]);
    expect(readBundle(writeBundle({ collection: 'mine', papers: mine })).starred).toEqual([]);
  });
});

describe('filters and author search', () => {
  it('year range, author (folded, any order, prefixes), venue; bad values are refused', () => {
    const f = (x: Parameters<typeof paperFilter>[0]) => mine.filter(paperFilter(x)).map((p) => p.title);
    expect(f({ yearFrom: 2020 })).toEqual(['Siamese Networks']);
    expect(f({ yearTo: 2017 })).toEqual(['Kelp Forest Recovery']);
    expect(f({ author: 'garcia' })).toEqual(['Kelp Forest Recovery']);
    expect(f({ author: 'Chen, X' })).toEqual(['Siamese Networks']);
    expect(f({ venue: 'marine ecology' })).toEqual(['Kelp Forest Recovery']);
    expect(() => validateFilters({ yearFrom: 20 })).toThrow(/yearFrom/);
    expect(() => validateFilters({ yearFrom: 2022, yearTo: 2020 })).toThrow(/after/);
  });

  it('the author filter reads an edited copy of a paper by its new authors (names are cached per paper object)', () => {
    const p = mine.find((x) => x.title === 'Siamese Networks')!;
    const chen = paperFilter({ author: 'chen' });
    const he = paperFilter({ author: 'he kaiming' });
    expect([chen(p), he(p)]).toEqual([true, false]);
    const edited: Paper = { ...p, authors: [{ family: 'He', given: 'Kaiming' }] };
    expect([chen(edited), he(edited), chen(p)]).toEqual([false, true, true]);
    // Names stored as plain strings (older imports) are parsed like structured ones.
    expect(he({ ...p, authors: ['Kaiming He'] as unknown as Paper['authors'] })).toBe(true);
  });

  it('an author name finds the paper by keywords; a search can be filtered', async () => {
    const s = session(new MemoryStore());
    await s.init({ autoIndex: false });
    await s.addPapers(mine);
    expect((await s.search('Maria Garcia', 'lexical')).hits[0]?.paper.title).toBe('Kelp Forest Recovery');
    expect((await s.search('xinlei', 'lexical')).hits[0]?.paper.title).toBe('Siamese Networks');
    const r = await s.search('kelp siamese', 'lexical', { k: 20, filters: { yearFrom: 2020 } });
    expect(r.hits.map((h) => h.paper.title)).toEqual(['Siamese Networks']);
    expect(r.total).toBe(1);
    await expect(s.search('kelp', 'lexical', { k: 20, filters: { yearFrom: 1 } })).rejects.toThrow(/Bad search filter/);
  });
});
