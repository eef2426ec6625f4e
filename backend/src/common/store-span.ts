/** A span of one store's time, UTC ms [fromMs, toMs): what a read over many stores asks of each of them. */
export interface StoreSpan {
  storeId: string;
  fromMs: number;
  toMs: number;
}

/** The spans' columns as arrays (store ids, starts, ends), for one statement that unnests them. */
export function spanColumns(spans: readonly StoreSpan[]): [string[], Date[], Date[]] {
  return [spans.map((s) => s.storeId), spans.map((s) => new Date(s.fromMs)), spans.map((s) => new Date(s.toMs))];
}
