/**
 * Page state of the engine connection: the worker client, the latest status, model-download and
 * embedding progress, and the "could not start" error. Components read it; only this module talks
 * to EngineClient's event stream.
 *
 * Invariant: `status` is the worker's own last word (every status event replaces it whole); the UI
 * never patches it locally except with a reply that is itself a status.
 */
import { EngineClient } from './engine-client.ts';
import type { EmbedProgressEvent, EngineStatus, ModelProgressEvent, SearchMode } from '../../protocol.ts';
import type { UrlState } from './url-state.ts';
import { buildingGraph, QUICK_ROW_MIN } from '../status/phases.ts';

/** Set once a full index was seen in this browser; a reload that finds none says the data was lost. */
const INDEXED_FLAG = 'atlas:indexed';

export class EngineState {
  client = $state.raw<EngineClient | null>(null);
  status = $state<EngineStatus | null>(null);
  startError = $state('');
  modelProgress = $state<ModelProgressEvent | null>(null);
  embedProgress = $state<EmbedProgressEvent | null>(null);
  /** The latest embed event of each vector space (the progress panel shows one row per space). */
  embedBySpace = $state<Partial<Record<string, EmbedProgressEvent>>>({});

  readonly indexing = $derived(this.status?.phase === 'indexing');
  /** The model embeds papers right now (not the sub-second quick tier, not a run that only loads vectors). */
  readonly embedding = $derived(!!this.embedProgress && this.embedProgress.space !== 'quick' && this.embedProgress.done < this.embedProgress.total);
  /**
   * The quick tier is indexing a big batch: sub-second for a few hundred papers, but ~1 s per 2,000
   * papers here, so a 5k–100k import would show nothing for seconds to a minute without its row.
   */
  readonly quickBusy = $derived(!!this.embedProgress && this.embedProgress.space === 'quick' && this.embedProgress.total >= QUICK_ROW_MIN && this.embedProgress.done < this.embedProgress.total);
  readonly showProgress = $derived(
    !!this.status &&
      ((this.indexing &&
        (this.status.modelState === 'loading' || this.embedding || this.quickBusy || this.status.waitingForLock || this.status.indexRun === 'paused' || this.status.indexRun === 'pausing' || this.status.indexRun === 'cancelling')) ||
        // A large library's search graph grows for minutes after the vectors are in.
        buildingGraph(this.status)),
  );
  /**
   * Per-collection "n embedded" counts mean something only while papers are being embedded or once
   * a run is over; during start-up they read 0 until stored / shipped vectors are loaded.
   */
  readonly countsMeaningful = $derived(!!this.status && (this.status.phase === 'ready' || this.embedding));

  /** Called after each status event (e.g. to upgrade a keyword result once semantic search is ready). */
  onStatus: (s: EngineStatus) => void = () => {};

  /** Starts the worker and initialises the engine; resolves once the first status is in. */
  async start(url: UrlState): Promise<void> {
    let client: EngineClient;
    try {
      client = new EngineClient();
    } catch (e) {
      this.startError = `The search engine could not start: ${(e as Error).message}`;
      return;
    }
    this.client = client;
    (window as unknown as { __atlas: unknown }).__atlas = {
      // Test/diagnostic hook: the worker's counters (embeddedCount, storedVectors, backend…).
      status: () => client.request({ type: 'status' }),
      // Bench hook (bench/library-bench.ts): a search through the real protocol, timed from the page.
      search: (question: string, mode: SearchMode) => client.request({ type: 'search', question, mode }),
    };
    client.on((e) => {
      if (e.kind === 'status') {
        this.status = e.status;
        if (e.status.semanticReady && e.status.storage === 'indexeddb' && !localStorage.getItem(INDEXED_FLAG)) {
          localStorage.setItem(INDEXED_FLAG, '1');
          // Best effort: ask the browser not to evict the index under storage pressure.
          void navigator.storage?.persist?.().catch(() => {});
        }
        this.onStatus(e.status);
      } else if (e.kind === 'model') this.modelProgress = e;
      else if (e.kind === 'embed') {
        this.embedProgress = e;
        this.embedBySpace = { ...this.embedBySpace, [e.space ?? 'primary']: e };
      }
      else if (e.kind === 'idle') {
        this.embedProgress = null;
        this.embedBySpace = {};
        this.modelProgress = null;
      }
    });
    try {
      this.status = await client.request({
        type: 'init',
        baseUrl: import.meta.env.BASE_URL,
        device: url.device,
        modelId: url.model,
        useShipped: url.shipped,
        embedWorker: url.embedWorker,
        expectStored: localStorage.getItem(INDEXED_FLAG) === '1',
      });
    } catch (e) {
      this.startError = `The search engine could not start: ${(e as Error).message}`;
    }
  }

  /** The user asked to forget everything: the next reload must not claim data was lost. */
  forgetIndexed(): void {
    localStorage.removeItem(INDEXED_FLAG);
  }

  stop(): void {
    this.client?.terminate();
  }
}
