/**
 * Asks the browser to keep this site's storage (navigator.storage.persist(), issue 15 #4) once per
 * page, at the first import: without it a library of thousands of papers is "best effort" storage
 * that the browser may evict under disk pressure. persist() exists only on the main thread (not in
 * workers). The answer is not awaited nor shown: refusing is the browser's normal choice for sites
 * the user rarely visits (Chromium grants it by engagement), and the import works either way.
 */
let asked = false;

export function requestPersistence(): void {
  if (asked) return;
  asked = true;
  const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  if (!storage?.persist) return;
  void storage
    .persisted()
    .then((already) => (already ? true : storage.persist()))
    .catch(() => false);
}
