// Round-robin over cameras: the shared inference service takes the next request from the camera after the one it
// served last, so a camera with many frames waiting cannot keep a quiet one waiting behind them.

export class FairQueue<T> {
  private readonly pending = new Map<string, T[]>();
  /** Cameras with something waiting, in the order they will be served. */
  private readonly ring: string[] = [];

  push(camera: string, item: T): void {
    const list = this.pending.get(camera);
    if (list) list.push(item);
    else {
      this.pending.set(camera, [item]);
      this.ring.push(camera);
    }
  }

  /** The next camera's oldest request; that camera goes to the back of the ring if it has more. */
  next(): { camera: string; item: T } | undefined {
    const camera = this.ring.shift();
    if (camera === undefined) return undefined;
    const list = this.pending.get(camera)!;
    const item = list.shift()!;
    if (list.length) this.ring.push(camera);
    else this.pending.delete(camera);
    return { camera, item };
  }

  /** Forgets a camera's waiting requests (it disconnected); returns them. */
  drop(camera: string): T[] {
    const list = this.pending.get(camera) ?? [];
    this.pending.delete(camera);
    const at = this.ring.indexOf(camera);
    if (at >= 0) this.ring.splice(at, 1);
    return list;
  }

  get size(): number {
    let n = 0;
    for (const list of this.pending.values()) n += list.length;
    return n;
  }
}
