/**
 * Sales CSV upload for stores whose POS can only export files (POST /api/admin/stores/:store_id/sales.csv, the
 * admin token): the whole file is stored or none of it. Shows what was stored, or the first refused row and field.
 */
import { apiPostText, ApiError, type SalesWriteOutcome, type StoreSummary } from '../api.ts';
import { errorBox, field, h } from '../dom.ts';
import { fmtCount } from '../format.ts';
import { describeUploadError } from '../sales.ts';

const plural = (n: number, noun: string) => `${fmtCount(n)} ${noun}${n === 1 ? '' : 's'}`;

export interface SalesUploadPanel {
  element: HTMLElement;
  /** Fills the currency field with the store's currency once known (from its history), unless the user typed one. */
  setCurrency(currency: string): void;
}

export function salesUploadPanel(store: StoreSummary, onStored: () => void): SalesUploadPanel {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true });
  const currency = h('input', {
    type: 'text',
    name: 'currency',
    required: true,
    maxlength: 3,
    pattern: '[A-Z]{3}',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'GBP',
    class: 'currency-code',
  });
  let typed = false;
  currency.addEventListener('input', () => {
    typed = true;
  });
  const button = h('button', { type: 'submit' }, 'Upload');
  const result = h('div', { class: 'form-message', 'aria-live': 'polite', 'data-upload-result': '' });
  const form = h(
    'form',
    { class: 'controls', 'aria-label': 'Upload sales CSV' },
    field('Sales file (CSV)', file, 'Header hour,transactions,sales_amount[,units]; one row per store-local hour.'),
    field('Currency', currency, 'ISO code of the amounts, e.g. GBP, EUR, USD.'),
    button,
    result,
  );
  const element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'sales-upload-title', 'data-section': 'sales-upload' },
    h('h3', { id: 'sales-upload-title' }, 'Upload sales (CSV)'),
    h(
      'p',
      { class: 'lead' },
      `For ${store.name}, when its till can only export files. Each row is one hour: hour as an ISO time with its offset (2026-12-01T10:00:00+01:00), transactions, sales_amount. The whole file is stored or none of it; an hour sent again is unchanged, a changed one is corrected (the old numbers are kept).`,
    ),
    form,
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = file.files?.[0];
    const code = currency.value.trim().toUpperCase();
    if (!chosen) return void result.replaceChildren(errorBox('Choose a CSV file.'));
    button.disabled = true;
    result.replaceChildren(h('p', { role: 'status' }, `Uploading ${chosen.name}…`));
    try {
      const { body } = await apiPostText<SalesWriteOutcome>(
        `admin/stores/${encodeURIComponent(store.store_id)}/sales.csv`,
        { currency: code },
        await chosen.text(),
        'text/csv',
      );
      result.replaceChildren(
        h(
          'p',
          {
            class: 'upload-ok',
            role: 'status',
            'data-hours': body.hours,
            'data-inserted': body.inserted,
            'data-corrected': body.corrected,
            'data-unchanged': body.unchanged,
          },
          h('strong', {}, `${chosen.name}: ${fmtCount(body.hours)} ${body.hours === 1 ? 'hour' : 'hours'} received`),
          ` — ${fmtCount(body.inserted)} stored, ${plural(body.unchanged, 'duplicate')} (already there, unchanged), ${plural(body.corrected, 'correction')} (changed hours; old numbers kept).`,
        ),
      );
      onStored();
    } catch (err) {
      const api = err instanceof ApiError ? err : null;
      const box = errorBox(`${chosen.name} was refused, nothing was stored. ${describeUploadError(api?.field ?? null, (err as Error).message)}`);
      box.dataset.field = api?.field ?? '';
      result.replaceChildren(box);
      (api?.field === 'currency' ? currency : file).focus();
    } finally {
      button.disabled = false;
    }
  });

  return {
    element,
    setCurrency(code) {
      if (!typed && !currency.value) currency.value = code;
    },
  };
}
