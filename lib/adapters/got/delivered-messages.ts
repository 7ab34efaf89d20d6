/**
 * Bytes of delivered message lines kept for a later error's `partialOutput` (the newest ones; the
 * last message is kept whatever its size): the default line limit. The caller had every message
 * from the loop; keeping them all held an hour-long stream (base64 audio) for its whole life.
 */
export const PARTIAL_OUTPUT_BYTES = 8 * 1024 * 1024;

/**
 * The messages a message stream delivered: how many, and the newest of them within
 * {@link PARTIAL_OUTPUT_BYTES} of their lines (at least the last one), for the error that may end it.
 */
export class DeliveredMessages {
  /** Messages delivered so far. */
  count = 0;
  private readonly kept: ({ message: unknown; bytes: number } | undefined)[] = [];
  /** Index of the oldest message still kept in {@link kept}. */
  private head = 0;
  private keptBytes = 0;

  constructor(private readonly maxBytes = PARTIAL_OUTPUT_BYTES) {}

  /** One more message, from a line of `bytes` (its length is close enough: the bound is on order, not exact). */
  add(message: unknown, bytes: number): void {
    this.count += 1;
    this.kept.push({ message, bytes });
    this.keptBytes += bytes;
    while (this.keptBytes > this.maxBytes && this.kept.length - this.head > 1) {
      this.keptBytes -= this.kept[this.head]?.bytes ?? 0;
      this.kept[this.head] = undefined;
      this.head += 1;
    }
    // Dropped slots are compacted away once they are half the array, so each costs O(1) overall.
    if (this.head > 1024 && this.head * 2 > this.kept.length) {
      this.kept.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The messages kept, oldest first (a copy). */
  partialOutput(): unknown[] {
    const out: unknown[] = [];
    for (let i = this.head; i < this.kept.length; i++) out.push(this.kept[i]?.message);
    return out;
  }
}
