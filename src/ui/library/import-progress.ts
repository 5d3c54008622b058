/**
 * The words under the import panel while a commit runs, from the engine's import progress events
 * (src/core/engine/api.ts ImportProgressEvent). Pure, so the text is testable without a browser.
 */
import type { ImportProgressEvent } from '../../protocol.ts';
import { count, counted, formatDuration } from '../status/format.ts';

/**
 * `elapsed`: seconds since this phase began. The time left is the phase's own rate so far, shown
 * once a tenth of the papers are done (earlier rates swing too much to be worth reading).
 */
export function commitProgressText(e: ImportProgressEvent | null, elapsed: number): string {
  if (!e) return 'Starting the import…';
  if (e.phase === 'saving') return `Saving ${counted(e.total, 'paper')} to this browser…`;
  const left = e.done >= e.total / 10 && e.done < e.total && elapsed > 0 ? ((e.total - e.done) * elapsed) / e.done : undefined;
  return `Adding to the keyword index: ${count(e.done)} / ${count(e.total)} papers${left !== undefined ? ` · about ${formatDuration(left)} left` : ''}`;
}
