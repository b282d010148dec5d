// A small seeded generator (xorshift32) so power cuts and fault injection are
// reproducible from a seed. Not for anything secret.
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = (seed >>> 0) || 0x9e3779b9;
  }
  /** uniform 32-bit unsigned */
  nextU32(): number {
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return x;
  }
  /** integer in [0, n) */
  below(n: number): number {
    return n <= 0 ? 0 : this.nextU32() % n;
  }
}
