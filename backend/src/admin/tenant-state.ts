// The lifecycle states of organisations, stores and cameras, and what they allow: declared once, used by the key
// services (a key of a disabled tenant is refused), the sales path and the admin views.

export type TenantStatus = 'active' | 'disabled' | 'deleted';

/** What a deletion does with the data: `delete` removes every row of every module, `keep` keeps them for reports. */
export const DATA_MODES = ['delete', 'keep'] as const;
export type DataMode = (typeof DATA_MODES)[number];

export function tenantStatus(row: { disabledAt: Date | null; deletedAt?: Date | null }): TenantStatus {
  if (row.deletedAt) return 'deleted';
  return row.disabledAt ? 'disabled' : 'active';
}

/** One level of the tenant tree a key writes for, with its state. */
export interface TenantLevel {
  kind: 'organisation' | 'store' | 'camera';
  id: string;
  status: TenantStatus;
}

/**
 * Why a key of this path (organisation → store → camera, outermost first) may not write now, or null. The
 * outermost refusal wins: enabling a camera of a disabled store does not open the store.
 */
export function writeRefusal(path: readonly TenantLevel[], field = 'authorization'): string | null {
  const closed = path.find((l) => l.status !== 'active');
  if (!closed) return null;
  return closed.status === 'deleted'
    ? `${field}: ${closed.kind} ${closed.id} is deleted; it accepts no data`
    : `${field}: ${closed.kind} ${closed.id} is disabled; it accepts no new data until it is enabled again (its history stays readable)`;
}
