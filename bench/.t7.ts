import { NativeEmbedder } from './embed-node.ts';
import { seedTexts } from './lib/seed.ts';
import { buildBrowserBench } from './lib/build-browser.ts';
import { startBrowserBench } from './lib/browser-run.ts';
await buildBrowserBench();
const texts = seedTexts(12);
const id = 'Xenova/all-MiniLM-L6-v2';
const nat = await NativeEmbedder.load(id);
const bb = await startBrowserBench();
const batches = nat.tokenize(texts, 1).map(b => ({ ids: Array.from(b.ids, Number), mask: Array.from(b.mask, Number), dims: b.dims }));
const plain = { mjs: '/ort/ort-wasm-simd-threaded.mjs', wasm: '/ort/ort-wasm-simd-threaded.wasm' };
for (let round = 0; round < 2; round++) {
for (const [w, wp] of [['raw-wasm', '/ort/'], ['raw-asyncify', '/ort/'], ['raw-asyncify', plain]] as const) {
  try {
    const r: any = await bb.run(w, { modelUrl: `/models/${id}/onnx/model_quantized.onnx`, wasmPaths: wp, numThreads: 2, batches, repeats: 2 }, { isolated: true });
    console.log(w, JSON.stringify(wp).slice(0, 30), r.durations.map((d: number) => (12 / (d / 1000)).toFixed(1)));
  } catch (e) { console.log('ERR', w, (e as Error).message.slice(0, 400)); }
}
for (const wb of ['default', 'plain']) {
  try {
    const r: any = await bb.run('ours', { modelId: id, numThreads: 2, texts, repeats: 2, wasmBuild: wb }, { isolated: true });
    console.log('ours', wb, r.durations.map((d: number) => (12 / (d / 1000)).toFixed(1)));
  } catch (e) { console.log('ERR ours', wb, (e as Error).message.slice(0, 400)); }
}
}
await bb.close();
