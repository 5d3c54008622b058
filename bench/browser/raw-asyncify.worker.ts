// The build transformers.js uses in browsers (onnxruntime-web/webgpu → asyncify WASM), on the CPU EP.
import * as ort from 'onnxruntime-web/webgpu';
import { runRaw, serve, type RawRequest } from './raw-common.ts';
serve((req: RawRequest) => runRaw(ort as never, req));
