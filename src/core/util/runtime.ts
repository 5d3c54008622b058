/**
 * What the code is running on, decided once (in the spirit of transformers.js's `env`): the core
 * runs unchanged in Node (CLI, tests, build scripts) and in browser workers, and the few places that
 * must know which ask this object instead of repeating `typeof` probes.
 *
 * Getters, not constants: tests install fake-indexeddb or stub WebGPU after this module loads.
 */
type Global = {
  process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
  window?: unknown;
  WorkerGlobalScope?: unknown;
  navigator?: { gpu?: { requestAdapter(): Promise<unknown> }; hardwareConcurrency?: number };
  location?: { href: string };
  crypto?: { subtle?: SubtleCrypto };
  indexedDB?: unknown;
  Worker?: unknown;
};
const g = globalThis as unknown as Global;

export const runtime = {
  /** Node.js (and not a browser-like environment running inside it). */
  get isNode(): boolean {
    return typeof g.process?.versions?.node === 'string' && g.window === undefined && g.WorkerGlobalScope === undefined;
  },
  /** WebCrypto digests (absent in browsers on insecure http:// origins). */
  get subtle(): SubtleCrypto | undefined {
    return g.crypto?.subtle;
  },
  get hasIndexedDB(): boolean {
    return g.indexedDB !== undefined;
  },
  /** Nested / module workers can be started from here. */
  get hasWorkers(): boolean {
    return g.Worker !== undefined;
  },
  /** The WebGPU entry point; only a returned adapter proves WebGPU works (headless Chromium has the object without one). */
  get gpu(): { requestAdapter(): Promise<unknown> } | undefined {
    return g.navigator?.gpu;
  },
  /** The page's or worker's own URL, to resolve relative base paths against. */
  get href(): string | undefined {
    return g.location?.href;
  },
  /** A Node built-in without a static `node:` import (core must also bundle for the browser). */
  nodeModule<T>(id: string): T | undefined {
    return g.process?.getBuiltinModule?.(id) as T | undefined;
  },
};
