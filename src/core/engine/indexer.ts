/**
 * Runs indexing for every vector space of the library (space-indexer.ts) — a quick tier first, then
 * the primary model, then any extra model — as one background run under one named lock (Web Locks
 * in the browser), so two tabs never embed at once; after waiting, each space re-reads the store so
 * the other tab's work is reused.
 *
 * Failure modes: never rejects. A cancel raises an info notice, any other failure an error notice;
 * the run ends either way and `ended()` lets the UI clear its progress.
 */
import type { Paper } from '../types.ts';
import { vectorKey } from '../vectors/identity.ts';
import type { VectorRow } from '../vectors/reconcile.ts';
import { isStorable, storedRows } from '../vectors/quantize.ts';
import { isAbortError } from './errors.ts';
import { anySignal } from '../util/time-slice.ts';
import { abortError } from '../util/abort.ts';
import type { BundleVectors } from './library.ts';
import type { NoticeBoard } from './notices.ts';
import type { StorageGuard } from './storage.ts';
import type { SpaceIndexer, SpaceRole } from './space-indexer.ts';

export { EMBED_BATCH } from './space-indexer.ts';

export interface IndexerDeps {
  /** Runs `fn` while holding an exclusive lock; `onWait` is called if it must wait for another holder. */
  withLock?: <T>(name: string, fn: () => Promise<T>, onWait: () => void) => Promise<T>;
  changed: () => void;
  /** An indexing run ended (the UI clears its progress). */
  ended: () => void;
}

const ORDER: Record<SpaceRole, number> = { quick: 0, primary: 1, extra: 2 };
/**
 * Storage meta key: the person paused indexing and the tab closed before a resume or cancel. The
 * next session's first run starts paused (held at its first batch boundary) instead of silently
 * using the CPU the person asked to have back. Cleared by resume, cancel and a run that ends.
 */
export const PAUSED_META = 'indexPaused';
const defaultLock = async <T>(_n: string, fn: () => Promise<T>) => fn();

export class Indexer {
  waitingForLock = false;
  private spaces: SpaceIndexer[] = [];
  private abort: AbortController | null = null;
  private running: Promise<void> | null = null;
  /** Papers were added during the running run: it passes over every space again before ending. */
  private again = false;
  /** Wakes a run that waits for the slower models, so the quick tier takes added papers at once. */
  private wake: (() => void) | null = null;
  /**
   * Stops the slower model's pass at its next batch boundary when papers are added, so the quick
   * tier indexes them first (seconds) instead of after that pass (minutes to hours for a big
   * library); the pass then resumes where it stopped (every batch was persisted).
   */
  private yieldPass: AbortController | null = null;
  /** Paused by the person: every space waits at its next batch boundary until resume() or cancel(). */
  private paused: { resume: () => void; promise: Promise<void> } | null = null;
  /** A space is actually held at a batch boundary (before that, the running batch finishes). */
  private held = false;
  /** cancel() was asked and the run has not ended yet (the running batch finishes first). */
  private cancelling = false;
  /** The next run starts paused (a pause survived a reload: see PAUSED_META). */
  private pauseAtStart = false;

  constructor(
    private readonly deps: IndexerDeps,
    private readonly storage: StorageGuard,
    private readonly notices: NoticeBoard,
  ) {}

  /** The spaces in run order (quick, primary, extra). */
  get all(): readonly SpaceIndexer[] {
    return this.spaces;
  }

  add(space: SpaceIndexer): void {
    this.spaces = [...this.spaces, space].sort((a, b) => ORDER[a.role] - ORDER[b.role]);
  }

  remove(space: SpaceIndexer): void {
    this.spaces = this.spaces.filter((s) => s !== space);
  }

  get active(): boolean {
    return this.running !== null;
  }

  /** What the UI shows: 'cancelling' from the moment cancel() is asked until the run has ended. */
  get state(): 'idle' | 'running' | 'pausing' | 'paused' | 'cancelling' {
    if (!this.running) return 'idle';
    if (this.cancelling) return 'cancelling';
    if (this.paused) return this.held ? 'paused' : 'pausing';
    return 'running';
  }

  /** Holds every space at its next batch boundary (what is embedded so far is stored). */
  pause(): boolean {
    if (!this.running || this.paused || this.cancelling) return false;
    this.hold();
    this.remember(true);
    this.deps.changed();
    return true;
  }

  /**
   * Reads whether the last session left indexing paused; if so, the next run starts paused. Called
   * once at start-up, before the first run. Nothing is held when every paper has its vectors (the
   * run only loads them, and stored vectors never wait for a pause).
   */
  async restorePause(): Promise<boolean> {
    this.pauseAtStart = (await this.storage.safe((s) => s.getMeta<boolean>(PAUSED_META), undefined)) === true;
    return this.pauseAtStart;
  }

  private hold(): void {
    let resume!: () => void;
    const promise = new Promise<void>((r) => (resume = r));
    this.paused = { resume, promise };
  }

  /** Persists the pause (best effort: a storage failure only loses the pause across a reload). */
  private remember(paused: boolean): void {
    void this.storage.safe((s) => s.setMeta(PAUSED_META, paused), undefined);
  }

  /** Continues a paused run, or starts one (after a cancel, papers may still lack vectors). */
  resume(): boolean {
    const p = this.paused;
    if (p) {
      this.paused = null;
      p.resume();
      this.remember(false);
      this.deps.changed();
      return true;
    }
    if (this.running) return false;
    void this.start();
    return true;
  }

  /**
   * Called by a space between batches: returns at once unless paused; a cancel while paused
   * rejects with the AbortError (so the run ends), a resume lets it continue.
   */
  async between(signal: AbortSignal): Promise<void> {
    while (this.paused) {
      if (signal.aborted) throw abortError('Indexing was cancelled');
      const gate = this.paused.promise;
      if (!this.held) {
        this.held = true;
        this.deps.changed();
      }
      await new Promise<void>((res) => {
        const onAbort = () => res();
        signal.addEventListener('abort', onAbort, { once: true });
        void gate.then(() => {
          signal.removeEventListener('abort', onAbort);
          res();
        });
      });
      this.held = false;
      if (signal.aborted) throw abortError('Indexing was cancelled');
    }
  }

  /**
   * Starts a background run over every space, or — when one is running — makes it pass over every
   * space once more before it ends (papers were added meanwhile). Resolves when the run ends, never
   * rejects.
   */
  start(): Promise<void> {
    if (this.running) {
      this.again = true;
      this.wake?.();
      this.yieldPass?.abort();
    } else {
      // run() starts on the next microtask, once `running` is set: its first status must already
      // say 'indexing' (a synchronous start reported 'ready' with 0 vectors on every first visit).
      if (this.pauseAtStart) {
        // Held from the start: 'pausing' until a space reaches its first batch boundary.
        this.pauseAtStart = false;
        this.hold();
      }
      this.running = Promise.resolve()
        .then(() => this.run())
        .catch((e) => {
          if (isAbortError(e)) this.notices.add('info', 'Indexing cancelled. Keyword search works; resume any time.');
          else this.notices.add('error', `Indexing stopped: ${(e as Error).message}`);
        })
        .finally(() => {
          // Ended (done, cancelled or failed): a pause has nothing left to hold.
          if (this.paused) this.remember(false);
          this.running = null;
          this.abort = null;
          this.cancelling = false;
          this.paused = null;
          this.held = false;
          this.deps.changed();
          this.deps.ended();
        });
    }
    return this.running;
  }

  /** Waits until any running indexing has finished. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  cancel(): boolean {
    if (!this.abort) return false;
    // Said at once: the batch that is running finishes (and is stored) before the run ends.
    this.cancelling = true;
    this.remember(false);
    this.abort.abort();
    this.deps.changed();
    return true;
  }

  private async run(): Promise<void> {
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.deps.changed();
    const quick = this.spaces.filter((s) => s.role === 'quick');
    const rest = this.spaces.filter((s) => s.role !== 'quick');
    // A quick tier's model loads in about a second and answers semantic questions while a
    // transformer is still downloading. The transformers start loading only once the quick tier's
    // first pass has ended: loading one creates two ONNX sessions (the engine worker's for
    // questions, the embed worker's for documents), seconds of CPU on both cores, and started at
    // once it competed with the quick tier's reload (reading and decoding its stored vectors,
    // adopting its graph) — the wait before the first semantic answer. What it costs: the full
    // model takes over that much later (it never answers before it covers every paper anyway).
    // Without a quick tier, or while this tab waits for another tab's lock, they load at once.
    let restLoads: Promise<unknown>[] | null = null;
    const loadRest = () => (restLoads ??= rest.map((s) => s.slot.ensure()));
    if (!quick.length) loadRest();
    await Promise.all(quick.map((s) => s.slot.ensure()));
    await (this.deps.withLock ?? defaultLock)(
      'atlas-index',
      async () => {
        this.waitingForLock = false;
        this.deps.changed();
        // Papers imported while the run waits for a transformer to load (that can take half a
        // minute) are taken by the quick tier at once, not when the whole run ends; the import
        // itself never waits for the run (session.addPapers).
        let loaded: Promise<boolean> | null = null;
        for (;;) {
          this.again = false;
          for (const space of quick) await space.run(signal);
          if (this.again) continue; // added while the quick tier ran
          loaded ??= Promise.all(loadRest()).then(() => true);
          const woken = new Promise<boolean>((res) => (this.wake = () => res(false)));
          const done = await Promise.race([loaded, woken]);
          this.wake = null;
          if (done) break;
        }
        do {
          // A pass that finds papers added during the previous one runs every space again.
          const all = this.again ? this.spaces : rest;
          this.again = false;
          for (const space of all) {
            if (space.role === 'quick') {
              await space.run(signal);
              continue;
            }
            if (await this.runYielding(space, signal)) break; // papers were added: quick tier first
          }
        } while (this.again);
      },
      () => {
        loadRest(); // a tab that waits for another still gets its models ready meanwhile
        this.waitingForLock = true;
        this.notices.add('info', 'Another tab is indexing; this tab will reuse its work when it finishes.');
      },
    );
  }

  /**
   * One pass of a slower space that stops early (returns true) when papers are added meanwhile;
   * a cancel still rejects with the AbortError.
   */
  private async runYielding(space: SpaceIndexer, signal: AbortSignal): Promise<boolean> {
    const yieldPass = new AbortController();
    this.yieldPass = yieldPass;
    try {
      await space.run(anySignal([signal, yieldPass.signal]));
      return false;
    } catch (e) {
      if (yieldPass.signal.aborted && !signal.aborted && isAbortError(e)) return true;
      throw e;
    } finally {
      this.yieldPass = null;
    }
  }

  /**
   * Vectors that came with an imported bundle: stored once under their own identity key (a space
   * with that identity, now or after a model switch, reuses them) and taken at once by a loaded
   * space with that key.
   */
  async adoptBundle(papers: Paper[], bundle: BundleVectors): Promise<void> {
    // A bundle is untrusted: a vector f16 cannot hold is left out (its paper is embedded instead).
    const rows = storedRows(papers.map((p) => bundle.vectors.get(p.id)).filter((v): v is VectorRow => !!v && isStorable(v.vector)));
    if (!rows.length) return;
    const key = vectorKey(bundle.identity);
    await this.storage.safe((s) => s.putVectors(key, rows), undefined);
    for (const s of this.spaces) s.adoptBundle(rows, key);
  }

  async forget(ids: string[]): Promise<void> {
    for (const s of this.spaces) await s.forget(ids);
  }

  updateReady(): void {
    for (const s of this.spaces) s.updateReady();
  }
}
