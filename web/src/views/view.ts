import type { StoreSummary } from '../api.ts';

export interface ViewContext {
  store: StoreSummary;
  stores: StoreSummary[];
  /** A promotion the address names (analytics view): the promotion form starts on its dates. */
  promo?: { start: string; end: string } | null;
  /** Signed in with the operator's admin token (not a viewer key): admin-only actions are offered. */
  admin?: boolean;
}

/** A mounted view: its element, and dispose() to stop its timers and requests. */
export interface View {
  element: HTMLElement;
  dispose(): void;
}

/** Resolves after `ms`, or rejects with AbortError when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException('aborted', 'AbortError'));
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new DOMException('aborted', 'AbortError'));
      },
      { once: true },
    );
  });
}

export const isAbort = (e: unknown) => (e as Error)?.name === 'AbortError';
