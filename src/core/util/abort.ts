/**
 * Cancellation as the platform spells it: an Error named 'AbortError' (what AbortSignal-aware APIs
 * throw). Recognised by name in this one place, because platform DOMExceptions are not our classes.
 */
export function abortError(message = 'Cancelled'): Error {
  const e = new Error(message);
  e.name = 'AbortError';
  return e;
}

export function isAbortError(e: unknown): boolean {
  return (e as { name?: unknown } | null)?.name === 'AbortError';
}
