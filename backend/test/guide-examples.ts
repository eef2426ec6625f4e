/** The four example events of the deployment guide (one per type), at a fixed instant. */
export function guideBatch(scope: { orgId: string; storeId: string; cameraId: string }, at = '2024-01-15T10:30:00Z') {
  const t = Date.parse(at);
  const iso = (offsetS: number) => new Date(t + offsetS * 1000).toISOString();
  return {
    org_id: scope.orgId,
    store_id: scope.storeId,
    camera_id: scope.cameraId,
    device_ts: iso(0),
    events: [
      { type: 'entrance', ts: iso(0), direction: 'in', person_key: 'cam_entrance_01_run1_1' },
      { type: 'zone', ts: iso(120), zone_id: 'electronics', enter_ts: iso(30), exit_ts: iso(120), dwell_seconds: 90, person_key: 'cam_entrance_01_run1_1' },
      { type: 'shelf', ts: iso(100), shelf_id: 'shelf_A1', dwell_seconds: 12.5, person_key: 'cam_entrance_01_run1_1' },
      { type: 'queue', ts: iso(400), queue_id: 'checkout_1', enter_ts: iso(300), exit_ts: iso(400), wait_seconds: 100, person_key: 'cam_entrance_01_run1_1' },
    ],
  };
}
