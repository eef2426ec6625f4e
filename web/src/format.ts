/** Display formatting shared by the views (and the browser test, which checks the page shows the API's numbers). */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const DASH = '—';

export function fmtCount(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : integer.format(n);
}

export function fmtNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : decimal.format(n);
}

/** Seconds as a person reads them: "45.5 s", "2 min 05 s", "1 h 02 min". */
export function fmtSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return DASH;
  if (s < 60) return `${decimal.format(Math.round(s * 10) / 10)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

/** A signed percentage: "+12.3 %", "−4.0 %" (true minus sign), "0.0 %". */
export function fmtPct(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return DASH;
  const r = Math.round(p * 10) / 10;
  const body = Math.abs(r).toFixed(1);
  return r > 0 ? `+${body} %` : r < 0 ? `\u2212${body} %` : `${body} %`;
}

/** A 95 % interval of percentages; an open upper end (no upper bound) is ∞. */
/** A share 0–1 (data completeness) as a whole percentage rounded down, so 89.9 % never reads "90 %": "87 %". */
export function fmtShare(share: number | null | undefined): string {
  return share === null || share === undefined ? DASH : `${Math.floor(share * 100 + 1e-9)} %`;
}

/** A rate 0–1 (conversion: transactions per visitor) as a percentage with one decimal: "23.4 %". */
export function fmtRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined || !Number.isFinite(rate) ? DASH : `${(Math.round(rate * 1000) / 10).toFixed(1)} %`;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();
/** An amount in the store's currency ("£1,234.50"); without a known currency, the number with 2 decimals. */
export function fmtMoney(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return DASH;
  if (!currency) return money2.format(amount);
  let f = moneyFormats.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-GB', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    } catch {
      f = money2; // a code Intl does not know: the number alone
    }
    moneyFormats.set(currency, f);
  }
  return f.format(amount);
}
const money2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function fmtPctInterval(ci: readonly [number, number | null] | null | undefined): string {
  if (!ci) return DASH;
  return `${fmtPct(ci[0])} to ${ci[1] === null ? '+∞' : fmtPct(ci[1])}`;
}

export function fmtPValue(p: number | null | undefined): string {
  if (p === null || p === undefined) return DASH;
  if (p < 0.0001) return '< 0.0001';
  return p.toPrecision(2);
}
