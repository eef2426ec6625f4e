import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AlertRuleSettings, AlertRulesView } from '../../../shared/src/alerts.ts';
import type { StoreView } from '../admin/store-directory.service.ts';
import { sqlRowsOwner, TenantLifecycle } from '../admin/tenant-lifecycle.service.ts';
import { applyRulesPatch, effectiveRules, type AlertRulesPatch, type StoredRule } from './alert-rules.ts';
import { FORGET_ORG_SQL, FORGET_STORE_SQL, STORE_RULES_SQL, UPSERT_RULES_SQL } from './alerts.queries.ts';

/** A store's rules are read again after this long: another API process may have changed them. */
export const RULES_CACHE_MS = 10_000;

/** The stores' alert rules (table alert_rules), with their defaults filled in; cached for the evaluators' hot path. */
@Injectable()
export class AlertRules {
  private readonly cache = new Map<string, { at: number; rules: AlertRuleSettings }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    lifecycle: TenantLifecycle,
  ) {
    lifecycle.ownData(sqlRowsOwner('alerts (rules, alerts)', db, { store: FORGET_STORE_SQL, org: FORGET_ORG_SQL }));
  }

  /** The effective rules of the store (cached up to RULES_CACHE_MS; this process's own changes at once). */
  async of(storeId: string, nowMs = Date.now()): Promise<AlertRuleSettings> {
    const hit = this.cache.get(storeId);
    if (hit && Math.abs(nowMs - hit.at) < RULES_CACHE_MS) return hit.rules;
    const rules = effectiveRules(await this.stored(storeId));
    this.cache.set(storeId, { at: nowMs, rules });
    return rules;
  }

  async view(store: StoreView): Promise<AlertRulesView> {
    return { store_id: store.store_id, rules: effectiveRules(await this.stored(store.store_id)) };
  }

  /** Applies a PUT: the named types change, the others keep theirs. A clear threshold not below its fire threshold → 400 naming it. */
  async update(store: StoreView, patch: AlertRulesPatch): Promise<AlertRulesView> {
    const outcome = applyRulesPatch(await this.stored(store.store_id), patch);
    if ('field' in outcome) {
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', field: outcome.field, message: `${outcome.field}: ${outcome.message}` });
    }
    const { rows, rules } = outcome;
    await this.db.query(UPSERT_RULES_SQL, [
      store.org_id,
      store.store_id,
      rows.map((r) => r.type),
      rows.map((r) => r.enabled),
      rows.map((r) => JSON.stringify(r.params)),
    ]);
    this.cache.set(store.store_id, { at: Date.now(), rules });
    return { store_id: store.store_id, rules };
  }

  private stored(storeId: string): Promise<StoredRule[]> {
    return this.db.query(STORE_RULES_SQL, [storeId]);
  }
}
