/**
 * The one embedding model the session runs: which model is chosen, loading it (one load at a time,
 * joined by concurrent callers), falling back from WebGPU to WASM, and replacing or disposing it.
 *
 * Failure modes: a WebGPU load failure retries once on WASM with a warning; a WebGPU failure in the
 * middle of a run (device lost) swaps to WASM through `fallbackToWasm`; a model that cannot be
 * loaded at all leaves `state = 'failed'` with an error notice offering "retry" — keyword search
 * keeps working, nothing throws out of `ensure()`.
 */
import type { EmbeddingModel } from '../types.ts';
import type { DeviceChoice, EngineStatus, ModelProgressEvent, Notice } from './api.ts';
import type { NoticeBoard } from './notices.ts';

export type DeviceRequest = DeviceChoice;

export interface ModelLoadProgress {
  file: string;
  loaded: number;
  total: number;
  /** What the time goes to: downloading, verifying the sha256, starting the session (embedder.ts). */
  stage?: 'download' | 'verify' | 'start';
}

export type LoadModel = (modelId: string, device: DeviceRequest, onProgress: (p: ModelLoadProgress) => void) => Promise<EmbeddingModel>;

/** How a slot tells the reader that its model could not be loaded (it depends on the slot's role). */
export interface LoadFailureNotice {
  level: 'error' | 'warning';
  text: (error: string) => string;
  /** A notice action (e.g. 'retry-model'), or none when another notice already offers it. */
  action?: Notice['action'];
}

/** The primary model's failure: semantic search is gone until a retry works. */
export const PRIMARY_LOAD_FAILURE: LoadFailureNotice = {
  level: 'error',
  text: (error) => `The embedding model could not be loaded (${error}). Keyword search still works.`,
  action: 'retry-model',
};

export class ModelSlot {
  modelId: string;
  device: DeviceRequest = 'auto';
  state: EngineStatus['modelState'] = 'idle';
  error?: string;
  private current: EmbeddingModel | null = null;
  private loading: Promise<EmbeddingModel | null> | null = null;

  constructor(
    modelId: string,
    private readonly load: LoadModel,
    private readonly notices: NoticeBoard,
    private readonly onProgress: (e: ModelProgressEvent) => void,
    private readonly onChange: () => void,
    private readonly failure: LoadFailureNotice = PRIMARY_LOAD_FAILURE,
  ) {
    this.modelId = modelId;
  }

  get model(): EmbeddingModel | null {
    return this.current;
  }

  /** The loaded model of the chosen id, loading it if needed; null when it cannot be loaded. */
  async ensure(): Promise<EmbeddingModel | null> {
    if (this.current && this.current.modelId === this.modelId) return this.current;
    if (this.loading) return this.loading;
    // A model that failed stays failed until clearFailure() (retry) or choose(): every import
    // re-downloading a broken model would only fail again, and the UI says it is unavailable.
    if (this.state === 'failed') return null;
    this.state = 'loading';
    this.error = undefined;
    this.onChange();
    const attempt = (device: DeviceRequest) => this.load(this.modelId, device, (p) => this.onProgress({ kind: 'model', ...p }));
    this.loading = (async () => {
      try {
        let m: EmbeddingModel;
        try {
          m = await attempt(this.device);
        } catch (e) {
          // Only an explicit WebGPU request is retried here: with 'auto' the loader already tried
          // WebGPU only when an adapter exists and fell back to WASM itself, so a failure under
          // 'auto' is not a GPU failure and must not be reported as one (CPU-only machines).
          if (this.device !== 'webgpu') throw e;
          // WebGPU adapter missing/lost or failing kernels: WASM is slower but always there.
          this.notices.add('warning', `GPU backend failed (${(e as Error).message}); using WASM on the CPU.`);
          this.device = 'wasm';
          m = await attempt('wasm');
        }
        if (this.current && this.current !== m) await this.current.dispose().catch(() => {});
        this.current = m;
        this.state = 'ready';
        return m;
      } catch (e) {
        this.state = 'failed';
        this.error = (e as Error).message;
        this.notices.add(this.failure.level, this.failure.text(this.error), this.failure.action);
        return null;
      } finally {
        this.loading = null;
        this.onChange();
      }
    })();
    return this.loading;
  }

  /** After a WebGPU failure in the middle of a run (e.g. device lost): continue on WASM. */
  async fallbackToWasm(err: Error): Promise<EmbeddingModel | null> {
    if (this.current?.device !== 'webgpu') return null;
    this.notices.add('warning', `The GPU stopped working (${err.message}); continuing on the CPU (WASM).`);
    const old = this.current;
    this.current = null;
    this.device = 'wasm';
    await old.dispose().catch(() => {});
    return this.ensure();
  }

  /** A failed load may be tried again by the next `ensure()` (the user pressed "Retry model"). */
  clearFailure(): void {
    if (this.state === 'failed') this.state = 'idle';
  }

  /** Chooses another model; the current one is disposed and the next `ensure()` loads the new one. */
  async choose(modelId: string): Promise<void> {
    this.modelId = modelId;
    if (this.current) await this.current.dispose().catch(() => {});
    this.current = null;
    this.state = 'idle';
  }
}
