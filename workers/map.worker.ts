/**
 * Layout worker: UMAP + clusters + labels (src/core/map/build.ts) off every thread that answers
 * users, so neither the page nor the engine's searches wait for a layout (5k papers take ~15 s).
 * Short-lived: one job, then the asker terminates it (that is also how a layout is cancelled).
 */
import { buildMap } from '../src/core/map/build.ts';
import type { MapJob, MapJobMessage } from './map-messages.ts';

const post = (m: MapJobMessage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

self.onmessage = async (e: MessageEvent<MapJob>) => {
  const t0 = performance.now();
  try {
    const map = await buildMap(e.data.input, {
      onProgress: (progress) => post({ type: 'progress', progress }),
      // Epochs are ~10–20 ms at 5k papers: one message per 10 keeps progress smooth and cheap.
      yieldEvery: 10,
    });
    post({ type: 'done', map, ms: performance.now() - t0 }, [map.coords.buffer as ArrayBuffer, map.cluster.buffer as ArrayBuffer]);
  } catch (err) {
    const x = err instanceof Error ? err : new Error(String(err));
    post({ type: 'error', error: { name: x.name, message: x.message } });
  }
};
