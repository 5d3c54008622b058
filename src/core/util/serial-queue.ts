/**
 * "Run one job at a time": the shared form of a rule three resources need — an onnxruntime session
 * (not re-entrant), transformers.js's global loading state, and hnswlib-wasm's IndexedDB-backed file
 * system. Jobs run strictly one after another; a 'high' job waiting in the queue starts before any
 * waiting 'normal' job (a question overtakes queued document batches), never interrupting the job
 * that is already running.
 *
 * Failure modes: a job that throws rejects only its own promise; the queue carries on with the next.
 */
export type Priority = 'high' | 'normal';

interface Job {
  run: () => Promise<void>;
}

export class SerialQueue {
  private readonly high: Job[] = [];
  private readonly normal: Job[] = [];
  private busy = false;

  /** Jobs waiting (not counting the one running). */
  get waiting(): number {
    return this.high.length + this.normal.length;
  }

  get running(): boolean {
    return this.busy;
  }

  run<T>(fn: () => Promise<T> | T, priority: Priority = 'normal'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        run: async () => {
          try {
            resolve(await fn());
          } catch (e) {
            reject(e);
          }
        },
      };
      (priority === 'high' ? this.high : this.normal).push(job);
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    // Start on a microtask, as a promise chain would: callers may finish setting up after run().
    await null;
    try {
      for (let job = this.next(); job; job = this.next()) await job.run();
    } finally {
      this.busy = false;
    }
  }

  private next(): Job | undefined {
    return this.high.shift() ?? this.normal.shift();
  }
}
