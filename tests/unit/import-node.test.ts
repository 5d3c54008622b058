/** loadCorpusFile: the CLI's `--corpus FILE` reader (Node only). */
import { testIdentity } from './helpers/identity.ts';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBundle } from '../../src/core/import/bundle.ts';
import { paperId } from '../../src/core/library/ids.ts';
import { ImportError } from '../../src/core/import/index.ts';
import { loadCorpusFile } from '../../src/node/import-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'atlas-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIX = new URL('../fixtures/import/', import.meta.url).pathname;

describe('loadCorpusFile', () => {
  it('reads a text export', async () => {
    const r = await loadCorpusFile(join(FIX, 'sample.ris'), { collection: 'corpus' });
    expect(r.format).toBe('ris');
    expect(r.papers).toHaveLength(2);
    expect(r.papers[0]!.collection).toBe('corpus');
    expect(r.vectors).toBeUndefined();
  });

  it('reads a bundle with its vectors', async () => {
    const titles = ['First paper', 'Second paper'];
    const papers = titles.map((t) => ({ id: paperId(t), title: t, abstract: `About ${t}.`, collection: 'x' }));
    const vectors = new Float32Array(2 * 4).map((_, i) => i / 8);
    const file = join(dir, 'c.atlas');
    const identity = testIdentity('m', 4, { weights: 'ab' });
    writeFileSync(file, writeBundle({ collection: 'x', papers, identity, vectors }));
    const r = await loadCorpusFile(file);
    expect(r.format).toBe('bundle');
    expect(r.papers.map((p) => p.title)).toEqual(titles);
    expect(r.vectors?.identity).toEqual(identity);
    expect([...r.vectors!.byPaperId.get(papers[1]!.id)!]).toEqual([0.5, 0.625, 0.75, 0.875]);
  });

  it('rejects a 300 MB text file from its size alone', async () => {
    const file = join(dir, 'big.bib');
    writeFileSync(file, '');
    truncateSync(file, 300 * 1024 * 1024); // sparse: nothing is really written
    await expect(loadCorpusFile(file)).rejects.toThrow(ImportError);
    await expect(loadCorpusFile(file)).rejects.toThrow(/"big\.bib" is 300\.0 MB; the import limit is 256\.0 MB/);
  });

  it('a missing file rejects with the fs error', async () => {
    await expect(loadCorpusFile(join(dir, 'nope.bib'))).rejects.toThrow(/ENOENT/);
  });
});
