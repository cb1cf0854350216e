/**
 * A value computed once, on first use, shared by concurrent callers. A failure
 * is not remembered: the next caller tries again (the CA may be back).
 */
export class Lazy<T> {
  private pending: Promise<T> | undefined;

  constructor(private readonly compute: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.pending === undefined) {
      const attempt = this.compute();
      this.pending = attempt;
      attempt.catch(() => {
        if (this.pending === attempt) this.pending = undefined;
      });
    }
    return this.pending;
  }

  /** The value if it was asked for already, without starting the computation. */
  peek(): Promise<T> | undefined {
    return this.pending;
  }

  /** Forgets the value, so the next get() computes it again. */
  reset(): void {
    this.pending = undefined;
  }
}
