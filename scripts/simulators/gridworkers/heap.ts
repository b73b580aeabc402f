// A binary min-heap of (time, walker index) in typed arrays: the single timer loop
// asks it "who is due?" in O(log n) instead of scanning thousands of walkers.

export class TimeHeap {
  private keys: Float64Array;
  private values: Int32Array;
  private n = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(Math.max(4, capacity));
    this.values = new Int32Array(Math.max(4, capacity));
  }

  get size(): number {
    return this.n;
  }

  /** The earliest time, or +Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.keys[0]! : Infinity;
  }

  push(time: number, value: number): void {
    if (this.n === this.keys.length) this.grow();
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= time) break;
      this.keys[i] = this.keys[parent]!;
      this.values[i] = this.values[parent]!;
      i = parent;
    }
    this.keys[i] = time;
    this.values[i] = value;
  }

  /** Removes the earliest entry and returns its value (-1 when empty). */
  pop(): number {
    if (this.n === 0) return -1;
    const top = this.values[0]!;
    const last = --this.n;
    const key = this.keys[last]!;
    const value = this.values[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.keys[child + 1]! < this.keys[child]!) child++;
      if (this.keys[child]! >= key) break;
      this.keys[i] = this.keys[child]!;
      this.values[i] = this.values[child]!;
      i = child;
    }
    this.keys[i] = key;
    this.values[i] = value;
    return top;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const values = new Int32Array(this.values.length * 2);
    keys.set(this.keys);
    values.set(this.values);
    this.keys = keys;
    this.values = values;
  }
}
