import { type TenantLevel, tenantStatus, writeRefusal } from './tenant-state.ts';

describe('tenantStatus', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  it.each([
    ['neither stamp', { disabledAt: null, deletedAt: null }, 'active'],
    ['no deletedAt column (cameras)', { disabledAt: null }, 'active'],
    ['disabled', { disabledAt: at, deletedAt: null }, 'disabled'],
    ['deleted', { disabledAt: null, deletedAt: at }, 'deleted'],
    ['deleted wins over disabled', { disabledAt: at, deletedAt: at }, 'deleted'],
  ])('%s', (_what, row, expected) => {
    expect(tenantStatus(row)).toBe(expected);
  });
});

describe('writeRefusal', () => {
  const org = (status: TenantLevel['status']): TenantLevel => ({ kind: 'organisation', id: 'o1', status });
  const store = (status: TenantLevel['status']): TenantLevel => ({ kind: 'store', id: 's1', status });
  const cam = (status: TenantLevel['status']): TenantLevel => ({ kind: 'camera', id: 'c1', status });
  it.each([
    ['all active', [org('active'), store('active'), cam('active')], null],
    ['a disabled camera', [org('active'), store('active'), cam('disabled')], /^authorization: camera c1 is disabled;/],
    ['a disabled store over an active camera', [org('active'), store('disabled'), cam('active')], /^authorization: store s1 is disabled;/],
    ['the outermost wins', [org('disabled'), store('deleted'), cam('disabled')], /^authorization: organisation o1 is disabled;/],
    ['a deleted store', [org('active'), store('deleted')], /^authorization: store s1 is deleted; it accepts no data$/],
    ['an organisation key alone', [org('active')], null],
  ])('%s', (_what, path, expected) => {
    const got = writeRefusal(path as TenantLevel[]);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toMatch(expected);
  });

  it('names the field it is given (a store named in a body, not the key)', () => {
    expect(writeRefusal([store('disabled')], 'store_id')).toMatch(/^store_id: store s1 is disabled;/);
  });
});
