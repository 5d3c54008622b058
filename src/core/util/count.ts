/**
 * Counts in messages, as people read them: "5,204 papers", "1 paper" — one grouping everywhere,
 * whatever the browser's locale (core messages and the UI share it, so a notice and the status bar
 * never write the same number two ways).
 */

/** 5,204 */
export function count(n: number): string {
  return n.toLocaleString('en');
}

/** "1 paper", "5,204 papers", "0 papers"; `many` for irregular plurals ("entries"). */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
