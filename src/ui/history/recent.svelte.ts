/**
 * Recent questions: the last committed questions of this browser, newest first, kept in
 * localStorage (never sent anywhere), clearable. A question asked again moves to the front.
 * Storage failures (private mode, quota) leave the list in memory only — never an error.
 */
const KEY = 'atlas:recent-questions';
/** How many questions are kept. */
export const RECENT_MAX = 12;

function load(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}

export class RecentQuestions {
  list = $state<string[]>(load());

  add(question: string): void {
    const q = question.trim().slice(0, 300);
    if (!q) return;
    this.list = [q, ...this.list.filter((x) => x.toLowerCase() !== q.toLowerCase())].slice(0, RECENT_MAX);
    this.save();
  }

  clear(): void {
    this.list = [];
    this.save();
  }

  private save() {
    try {
      if (this.list.length) localStorage.setItem(KEY, JSON.stringify(this.list));
      else localStorage.removeItem(KEY);
    } catch {
      // storage unavailable: the list lives in memory for this page
    }
  }
}
