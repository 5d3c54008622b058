import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/core/util/serial-queue.ts';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('SerialQueue', () => {
  it('runs one job at a time, in order', async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    let running = 0;
    const job = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([q.run(job('a')), q.run(job('b')), q.run(job('c'))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('a waiting high-priority job starts before waiting normal ones, never interrupting the running job', async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = q.run(async () => {
      log.push('doc 1');
      await gate;
    });
    const docs = [2, 3].map((i) => q.run(async () => void log.push(`doc ${i}`)));
    await tick();
    const query = q.run(async () => void log.push('query'), 'high');
    expect(q.waiting).toBe(3);
    release();
    await Promise.all([first, ...docs, query]);
    expect(log).toEqual(['doc 1', 'query', 'doc 2', 'doc 3']);
  });

  it('a failing job rejects only its own promise; the queue carries on', async () => {
    const q = new SerialQueue();
    const bad = q.run(async () => {
      throw new Error('boom');
    });
    const good = q.run(async () => 42);
    await expect(bad).rejects.toThrow('boom');
    await expect(good).resolves.toBe(42);
    expect(q.running).toBe(false);
  });
});
