/**
 * npm run distill [-- <static model id>] [--force] [--out <file>]
 *
 * Installs the static model (the quick semantic tier) into public/models/<id>/: kept when the file
 * there has the pinned sha256, copied from ../shared/models when that has it, otherwise distilled from
 * its teacher (fetch-model installs the teacher's fp32 ONNX first; ~1–2 min of one CPU core) and
 * checked against the pin. --force distils even when a copy exists (a determinism check).
 * --out <file> distils and writes the bytes there whatever their hash, printing it (for re-pinning
 * after a recipe change). Exit code 1 with the reason on stderr on any failure.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_STATIC_MODEL_ID, getStaticModel } from '../src/core/model/registry.ts';
import { sha256Hex } from '../src/core/util/sha256.ts';
import { distillStaticBytes, ensureStaticModel } from '../src/node/distill/index.ts';

const USAGE = 'usage: npm run distill -- [<static model id>] [--force] [--out <file>]';

async function main(argv: string[]): Promise<number> {
  let id = DEFAULT_STATIC_MODEL_ID;
  let force = false;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    } else if (a === '--force') force = true;
    else if (a === '--out') {
      out = argv[++i];
      if (!out || out.startsWith('--')) {
        console.error(`distill: --out needs a file\n${USAGE}`);
        return 2;
      }
    } else if (a.startsWith('--')) {
      console.error(`distill: unknown option ${a}\n${USAGE}`);
      return 2;
    } else id = a;
  }
  const log = (l: string) => console.error(l);
  try {
    const spec = getStaticModel(id);
    if (out) {
      const bytes = await distillStaticBytes(spec, log);
      await writeFile(resolve(out), bytes);
      const sha = await sha256Hex(bytes);
      console.log(`${spec.id}: wrote ${out} (${bytes.byteLength} bytes, sha256 ${sha}${sha === spec.file.sha256 ? ', = pinned' : `, pinned ${spec.file.sha256}`})`);
      return 0;
    }
    const r = await ensureStaticModel(spec.id, { force, log });
    console.log(`${spec.id}: ok → ${r.path} (${r.outcome})`);
    return 0;
  } catch (e) {
    console.error(`distill: ${(e as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
