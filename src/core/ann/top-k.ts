/**
 * The k best (label, score) pairs seen so far, highest score first — the insertion step shared by the
 * exact indexes (f32 and int8). Invariant: `scores` is sorted descending and holds at most k entries;
 * ties keep the earlier label first (a new score goes after equal ones).
 */
export class TopK {
  readonly scores: number[] = [];
  readonly labels: number[] = [];
  constructor(private readonly k: number) {}

  /** Whether `score` could still enter (cheap pre-check before a filter runs). */
  admits(score: number): boolean {
    return this.scores.length < this.k || score > this.scores[this.k - 1]!;
  }

  push(score: number, label: number): void {
    let pos = this.scores.length;
    while (pos > 0 && this.scores[pos - 1]! < score) pos--;
    this.scores.splice(pos, 0, score);
    this.labels.splice(pos, 0, label);
    if (this.scores.length > this.k) {
      this.scores.pop();
      this.labels.pop();
    }
  }

  result(): { label: number; score: number }[] {
    return this.scores.map((score, i) => ({ label: this.labels[i]!, score }));
  }
}
