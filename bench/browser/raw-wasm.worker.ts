// Plain (non-asyncify) onnxruntime-web WASM build: ort-wasm-simd-threaded.{mjs,wasm}.
import * as ort from 'onnxruntime-web/wasm';
import { runRaw, serve, type RawRequest } from './raw-common.ts';
serve((req: RawRequest) => runRaw(ort as never, req));
