import { Injectable, Logger } from '@nestjs/common';
import type { AlertRuleSettings } from '../../../shared/src/alerts.ts';
import { StoreDirectory, type StoreView } from '../admin/store-directory.service.ts';
import { localDate } from '../common/store-clock.ts';
import { CameraStatus } from '../dashboard/camera-status.service.ts';
import { LiveStoreMetrics } from '../dashboard/live-store-metrics.service.ts';
import { cameraProblem, durationTransition, lossTransition, openSince, standDownReason } from './alert-evaluation.ts';
import { AlertConditions } from './alert-conditions.service.ts';
import { AlertRules } from './alert-rules.service.ts';
import { SUMMARY } from './alert-summaries.ts';
import { AlertsService, conditionKey } from './alerts.service.ts';
import { lossField } from './live-alerts.service.ts';

/** The footfall count last seen by the no_footfall rule and when it changed (AlertConditions field `footfall`). */
interface FootfallMemory {
  date: string;
  count: number;
  changed_ms: number;
}
/** A traffic spike episode resolves by itself this long after its hour began (an hour after the hour ended). */
const SPIKE_EPISODE_MS = 2 * 3_600_000;

/**
 * The rules that need a clock rather than an arriving number, run once a minute by the alerts worker: a camera
 * not analysing for M minutes (while open; without opening hours, always) and no footfall for H minutes (while
 * open; stores with opening hours only),
 * plus the resolutions that nothing else would trigger (edge losses gone quiet, a spike hour long past).
 */
@Injectable()
export class MinuteAlerts {
  private readonly logger = new Logger(MinuteAlerts.name);

  constructor(
    private readonly directory: StoreDirectory,
    private readonly rules: AlertRules,
    private readonly alerts: AlertsService,
    private readonly conditions: AlertConditions,
    private readonly cameras: CameraStatus,
    private readonly live: LiveStoreMetrics,
  ) {}

  /**
   * Every store that accepts data (standDownReason); the others stand down. One store's failure is logged and does
   * not stop the others. → stores evaluated.
   */
  async run(nowMs = Date.now()): Promise<number> {
    const orgs = new Map((await this.directory.listOrgs()).map((o) => [o.id, o.status]));
    const idle = new Map<string, { store: StoreView; reason: string }>();
    let evaluated = 0;
    for (const store of await this.directory.listStores(undefined, { includeDeleted: true })) {
      const reason = standDownReason(orgs.get(store.org_id), store.status);
      if (reason) {
        idle.set(store.store_id, { store, reason });
        continue;
      }
      try {
        await this.evaluate(store, nowMs);
        evaluated += 1;
      } catch (e) {
        this.logger.warn(`minute alerts of ${store.store_id}: ${e instanceof Error ? e.message : e}`);
      }
    }
    if (idle.size > 0) await this.standDown(idle, nowMs).catch((e) => this.logger.warn(`stores standing down: ${e instanceof Error ? e.message : e}`));
    return evaluated;
  }

  /**
   * Stores not watched: their open episodes resolve (with the reason), and a disabled one's clocks are forgotten, so
   * once enabled again a camera that was down before does not alert the minute it is back (a deleted store's went with it).
   */
  private async standDown(idle: Map<string, { store: StoreView; reason: string }>, nowMs: number): Promise<void> {
    for (const a of await this.alerts.firingInStores([...idle.keys()])) {
      const { store, reason } = idle.get(a.store_id!)!;
      await this.alerts.resolve({
        org_id: store.org_id,
        store_id: store.store_id,
        type: a.type,
        subject: a.subject,
        at: new Date(nowMs),
        evidence: { reason },
      });
    }
    for (const { store } of idle.values()) if (store.status !== 'deleted') await this.conditions.forget(store.store_id);
  }

  async evaluate(store: StoreView, nowMs: number): Promise<void> {
    const rules = await this.rules.of(store.store_id, nowMs);
    const opened = openSince(nowMs, store.opening_hours, store.timezone);
    if (rules.camera_not_analysing.enabled) await this.camerasNotAnalysing(store, rules, opened, nowMs);
    // Without opening hours a store's nights would raise it every day: the rule needs hours (00:00–24:00 for a
    // store open around the clock), and an episode left open when hours are removed resolves.
    if (rules.no_footfall.enabled && store.opening_hours) await this.noFootfall(store, rules, opened, nowMs);
    else if ((await this.alerts.firingInStore(store.store_id, nowMs)).has(conditionKey('no_footfall', '')))
      await this.alerts.resolve({
        org_id: store.org_id,
        store_id: store.store_id,
        type: 'no_footfall',
        subject: '',
        at: new Date(nowMs),
        evidence: { rule_enabled: rules.no_footfall.enabled, opening_hours: false },
      });
    const firing = [...(await this.alerts.firingInStore(store.store_id, nowMs)).values()];
    const base = { org_id: store.org_id, store_id: store.store_id, at: new Date(nowMs) };
    for (const a of firing.filter((x) => x.type === 'edge_events_lost')) {
      const memory = await this.conditions.read<{ last_loss_ms: number | null }>(store.store_id, lossField(a.subject));
      const quiet = rules.edge_events_lost.quiet_minutes;
      // A disabled rule ends its open episodes rather than leaving them firing for ever.
      if (!rules.edge_events_lost.enabled || lossTransition(0, memory?.last_loss_ms ?? null, nowMs, quiet, true) === 'resolve')
        await this.alerts.resolve({ ...base, type: 'edge_events_lost', subject: a.subject, evidence: { camera_id: a.subject, quiet_minutes: quiet } });
    }
    for (const a of firing.filter((x) => x.type === 'traffic_spike')) {
      const hourStart = Number(a.evidence.hour_start_ms);
      if (!Number.isFinite(hourStart) || nowMs - hourStart >= SPIKE_EPISODE_MS)
        await this.alerts.resolve({ ...base, type: 'traffic_spike', subject: a.subject, evidence: { reason: 'an hour after the spike hour' } });
    }
  }

  private async camerasNotAnalysing(store: StoreView, rules: AlertRuleSettings, opened: number | null, nowMs: number): Promise<void> {
    const { minutes, min_fps_share } = rules.camera_not_analysing;
    const firing = await this.alerts.firingInStore(store.store_id, nowMs);
    const base = { org_id: store.org_id, store_id: store.store_id, at: new Date(nowMs) };
    for (const camera of await this.cameras.list(store.store_id, nowMs)) {
      const problem = opened === null ? null : cameraProblem(camera, min_fps_share);
      const firstSeen = await this.conditions.heldSince(store.store_id, `camera:${camera.camera_id}`, problem !== null, nowMs);
      // Only open time counts: a camera down since the night alerts M minutes after the opening.
      const since = firstSeen === null || opened === null ? null : Math.max(firstSeen, opened);
      const t = durationTransition(since, nowMs, minutes, firing.has(conditionKey('camera_not_analysing', camera.camera_id)));
      const evidence = { camera_id: camera.camera_id, status: camera.status, last_heartbeat: camera.last_heartbeat };
      if (t === 'fire' && problem && since !== null)
        await this.alerts.fire({
          ...base,
          type: 'camera_not_analysing',
          subject: camera.camera_id,
          summary: SUMMARY.camera(camera.camera_id, problem.reason, Math.round((nowMs - since) / 60_000)),
          evidence: { ...evidence, ...problem, minutes, min_fps_share, since: new Date(since).toISOString() },
        });
      if (t === 'resolve')
        await this.alerts.resolve({
          ...base,
          type: 'camera_not_analysing',
          subject: camera.camera_id,
          evidence: { ...evidence, stream_state: camera.stream_state, fps_achieved: camera.status_data?.fps_achieved ?? null, closed: opened === null },
        });
    }
  }

  private async noFootfall(store: StoreView, rules: AlertRuleSettings, opened: number | null, nowMs: number): Promise<void> {
    const { minutes } = rules.no_footfall;
    const view = await this.live.live(store, nowMs);
    const date = localDate(nowMs, store.timezone);
    const before = await this.conditions.read<FootfallMemory>(store.store_id, 'footfall');
    // First look, a new day or new visitors: the quiet starts now (a first look cannot know when the last one came).
    const changed = !before || before.date !== date || before.count !== view.footfall;
    if (changed) await this.conditions.write(store.store_id, 'footfall', { date, count: view.footfall, changed_ms: nowMs } satisfies FootfallMemory);
    const since = changed || opened === null ? null : Math.max(before.changed_ms, opened);
    const firing = (await this.alerts.firingInStore(store.store_id, nowMs)).has(conditionKey('no_footfall', ''));
    // A first look with an episode open (another process's, or a restart) keeps it: only new visitors or closing resolve it.
    const t = !before && opened !== null ? null : durationTransition(since, nowMs, minutes, firing);
    const base = { org_id: store.org_id, store_id: store.store_id, type: 'no_footfall' as const, subject: '', at: new Date(nowMs) };
    if (t === 'fire' && since !== null)
      await this.alerts.fire({
        ...base,
        summary: SUMMARY.noFootfall(Math.round((nowMs - since) / 60_000)),
        evidence: { footfall_today: view.footfall, minutes, quiet_since: new Date(since).toISOString() },
      });
    if (t === 'resolve') await this.alerts.resolve({ ...base, evidence: { footfall_today: view.footfall, closed: opened === null } });
  }
}
