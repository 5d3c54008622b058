/**
 * Tells the other open tabs of the app that the stored library changed (issue 14 #6): a tab opened
 * before an import in another tab otherwise keeps its old papers until it is reloaded. Every tab's
 * engine worker opens the channel; a BroadcastChannel never delivers to the object that sent, so a
 * tab does not refresh from its own announcement.
 *
 * Only a change that reached IndexedDB is announced (the other tabs read it from there); the message
 * carries no papers, only that something changed, so a forged message can at most cause a re-read.
 */
export const LIBRARY_CHANNEL = 'abstract-atlas:library';

export interface LibraryChanged {
  type: 'library-changed';
  /** What happened, for diagnostics only: the receiver re-reads the whole paper list either way. */
  what: 'import' | 'delete' | 'clear';
}

export interface LibraryChannel {
  announce(what: LibraryChanged['what']): void;
  close(): void;
}

/** Opens the channel; `onChange` runs for every announcement of another tab. No-op where unsupported. */
export function openLibraryChannel(onChange: (m: LibraryChanged) => void): LibraryChannel {
  if (typeof BroadcastChannel === 'undefined') return { announce: () => {}, close: () => {} };
  const ch = new BroadcastChannel(LIBRARY_CHANNEL);
  ch.onmessage = (e: MessageEvent<unknown>) => {
    const m = e.data as Partial<LibraryChanged> | null;
    if (m?.type === 'library-changed') onChange({ type: 'library-changed', what: m.what ?? 'import' });
  };
  return {
    announce: (what) => ch.postMessage({ type: 'library-changed', what } satisfies LibraryChanged),
    close: () => ch.close(),
  };
}
