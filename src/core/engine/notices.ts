/**
 * The engine's user-visible messages: storage fallbacks, model failures, repairs, cancellations.
 * Each part of the session raises notices here; the board keeps them until the user dismisses
 * them, drops exact repeats (the same message twice is noise), and tells the owner when the list
 * changed so a fresh status goes out.
 */
import type { Notice } from './api.ts';

export class NoticeBoard {
  private list: Notice[] = [];
  private seq = 0;

  constructor(private readonly onChange: () => void = () => {}) {}

  add(level: Notice['level'], message: string, action?: Notice['action']): void {
    if (this.list.some((n) => n.message === message)) return;
    this.list.push({ id: `n${++this.seq}`, level, message, action });
    this.onChange();
  }

  dismiss(id: string): void {
    this.list = this.list.filter((n) => n.id !== id);
  }

  /** Removes every notice that offers `action` (e.g. "retry model" once a retry starts). */
  dismissAction(action: NonNullable<Notice['action']>): void {
    this.list = this.list.filter((n) => n.action !== action);
  }

  clear(): void {
    this.list = [];
  }

  get all(): Notice[] {
    return [...this.list];
  }
}
