/**
 * Runs tasks one at a time per key, in submission order, where a task may hold several keys
 * (a command holds its system and its power address: Beaker serialises both, because several
 * systems can share one PDU or BMC). A task starts once every earlier task on any of its keys
 * has finished; chaining only on tasks already submitted cannot deadlock.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const before = Promise.all(keys.map((key) => this.tails.get(key)));
    const result = before.then(task);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    for (const key of keys) {
      this.tails.set(key, settled);
      // Forget idle keys, so a long-running daemon does not keep one entry per system forever.
      void settled.then(() => {
        if (this.tails.get(key) === settled) this.tails.delete(key);
      });
    }
    return result;
  }

  /** Resolves when everything submitted so far has finished. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.all(this.tails.values());
  }
}
