/**
 * Build step after scripts/precompute.ts: lays out the shipped seed vectors once (UMAP, clusters,
 * labels: src/core/map/build.ts) and writes the result next to them, so a first visit opens the map
 * at once instead of laying out 204 papers in the browser.
 *
 * Output in public/precomputed/:
 * - `map.<model slug>.<dtype>.<sha256 prefix>.json` — one PaperMap (src/core/map/map-format.ts) per
 *   shipped vector set, keyed (core/map/key.ts) by that set's vector identity and the corpus rows;
 * - `maps.json` — `{ format, version, maps: [{ key, vectorKey, file, bytes, sha256 }] }`.
 * The browser uses a shipped map only under an equal key, exactly like a stored one.
 *
 * Cached: a map whose key is already listed in maps.json with an intact file is not recomputed
 * (the key covers vectors, papers and LAYOUT_VERSION). `--force` recomputes.
 *
 * Usage: tsx scripts/precompute-map.ts [--dir public/precomputed] [--seeds seeds] [--force]
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMap, type MapPaper } from '../src/core/map/build.ts';
import { mapKey } from '../src/core/map/key.ts';
import { mapToJson } from '../src/core/map/map-format.ts';
import { vectorKey } from '../src/core/vectors/identity.ts';
import { decodeVectors, manifestProblem, modelSlug, type ShippedManifest } from '../src/core/vectors/shipped-format.ts';
import { loadSeedPapers } from './precompute.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const MAPS_FORMAT = 'abstract-atlas/maps';
export const MAPS_VERSION = 1;

export interface ShippedMapEntry {
  key: string;
  vectorKey: string;
  file: string;
  bytes: number;
  sha256: string;
}

export interface ShippedMaps {
  format: typeof MAPS_FORMAT;
  version: number;
  maps: ShippedMapEntry[];
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function readJson<T>(path: string): T | undefined {
  try {
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
  } catch {
    return undefined;
  }
}

export async function precomputeMaps(opts: { dir: string; seeds: string; force: boolean; log?: (s: string) => void }): Promise<ShippedMaps> {
  const log = opts.log ?? console.log;
  const manifest = readJson<ShippedManifest>(join(opts.dir, 'manifest.json'));
  const problem = manifestProblem(manifest);
  if (!manifest || problem) throw new Error(`${join(opts.dir, 'manifest.json')}: ${problem ?? 'missing'} (run scripts/precompute.ts first)`);
  const byId = new Map(loadSeedPapers(opts.seeds).map((p) => [p.id, p]));
  const papers: MapPaper[] = manifest.papers.map((r) => {
    const p = byId.get(r.id);
    if (!p) throw new Error(`manifest row ${r.id} is not a seed paper: the manifest is stale, run scripts/precompute.ts`);
    return { id: r.id, textHash: r.textHash, title: p.title, abstract: p.abstract };
  });
  const old = readJson<ShippedMaps>(join(opts.dir, 'maps.json'));
  const entries: ShippedMapEntry[] = [];
  for (const set of manifest.sets) {
    const vKey = vectorKey(set.identity);
    const key = mapKey(vKey, papers);
    const prev = opts.force ? undefined : old?.maps?.find((m) => m.key === key);
    if (prev && existsSync(join(opts.dir, prev.file)) && sha256(readFileSync(join(opts.dir, prev.file))) === prev.sha256) {
      log(`precompute-map: ${set.identity.model}: up to date (${papers.length} papers)`);
      entries.push(prev);
      continue;
    }
    const bytes = readFileSync(join(opts.dir, set.vectors.file));
    if (sha256(bytes) !== set.vectors.sha256) throw new Error(`${set.vectors.file} does not match its manifest sha256: run scripts/precompute.ts --force`);
    const vectors = decodeVectors(bytes);
    const t0 = performance.now();
    const map = await buildMap({ vectorIdentity: vKey, papers, vectors, dims: set.identity.dims });
    const text = JSON.stringify(mapToJson(map)) + '\n';
    const hash = sha256(text);
    const file = `map.${modelSlug(set.identity.model)}.${set.identity.dtype}.${hash.slice(0, 12)}.json`;
    writeFileSync(join(opts.dir, file), text);
    log(`precompute-map: ${set.identity.model}: ${papers.length} papers, ${map.clusters.length} clusters in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const c of map.clusters) log(`  ${String(c.size).padStart(3)}  ${c.terms.join(' · ')}`);
    entries.push({ key, vectorKey: vKey, file, bytes: Buffer.byteLength(text), sha256: hash });
  }
  const out: ShippedMaps = { format: MAPS_FORMAT, version: MAPS_VERSION, maps: entries };
  const path = join(opts.dir, 'maps.json');
  // Index last (via rename) so a killed build never lists a file that is not there.
  writeFileSync(path + '.tmp', JSON.stringify(out, null, 1) + '\n');
  renameSync(path + '.tmp', path);
  const keep = new Set(entries.map((e) => e.file));
  for (const f of readdirSync(opts.dir)) if (/^map\..*\.json$/.test(f) && !keep.has(f)) rmSync(join(opts.dir, f));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? resolve(argv[i + 1]!) : dflt;
  };
  const known = new Set(['--dir', '--seeds', '--force']);
  const bad = argv.filter((a, i) => a.startsWith('--') && !known.has(a) && !(i > 0 && ['--dir', '--seeds'].includes(argv[i - 1]!)));
  if (bad.length) {
    console.error(`precompute-map: unknown option ${bad[0]}; usage: precompute-map [--dir public/precomputed] [--seeds seeds] [--force]`);
    process.exit(2);
  }
  precomputeMaps({ dir: opt('--dir', join(repo, 'public/precomputed')), seeds: opt('--seeds', join(repo, 'seeds')), force: argv.includes('--force') }).catch((e) => {
    console.error(`precompute-map failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
