import { alertRulesPatch, applyRulesPatch, effectiveRules, RULE_DEFAULTS, type StoredRule } from './alert-rules.ts';

describe('alert rules: defaults, partial changes, hysteresis gaps', () => {
  it('a store without rows runs with the defaults; a row changes only what it names', () => {
    expect(effectiveRules([])).toEqual(RULE_DEFAULTS);
    const rules = effectiveRules([{ type: 'queue_length', enabled: false, params: { length: 8 } }]);
    expect(rules.queue_length).toEqual({ enabled: false, length: 8, clear_length: 3 });
    expect(rules.queue_wait).toEqual(RULE_DEFAULTS.queue_wait);
    // The defaults object itself is never changed.
    expect(RULE_DEFAULTS.queue_length.length).toBe(5);
  });

  it('a PUT lays its settings over the stored ones of each type it names', () => {
    const stored: StoredRule[] = [{ type: 'queue_length', enabled: true, params: { length: 8 } }];
    const out = applyRulesPatch(stored, alertRulesPatch.parse({ queue_length: { clear_length: 6 }, no_footfall: { enabled: false } }));
    expect(out).toEqual({
      rows: [
        { type: 'queue_length', enabled: true, params: { length: 8, clear_length: 6 } },
        { type: 'no_footfall', enabled: false, params: {} },
      ],
      rules: expect.objectContaining({ queue_length: { enabled: true, length: 8, clear_length: 6 }, no_footfall: { enabled: false, minutes: 60 } }),
    });
  });

  it.each([
    ['clear at the fire threshold', [], { occupancy_over_capacity: { clear_share: 1 } }, 'occupancy_over_capacity.clear_share'],
    ['fire lowered to the stored clear threshold', [], { queue_wait: { seconds: 240 } }, 'queue_wait.seconds'],
    ['both sent, clear above fire', [], { queue_length: { length: 4, clear_length: 4 } }, 'queue_length.clear_length'],
    [
      'clear raised over a stored fire threshold',
      [{ type: 'queue_length', enabled: true, params: { length: 6 } }],
      { queue_length: { clear_length: 7 } },
      'queue_length.clear_length',
    ],
  ] as [string, StoredRule[], unknown, string][])('%s → refused, naming the field', (_, stored, body, field) => {
    expect(applyRulesPatch(stored, alertRulesPatch.parse(body))).toMatchObject({ field });
  });

  it.each([
    [{ occupancy_over_capacity: { share: 0.05 } }, ['occupancy_over_capacity', 'share'], 'must be between 0.1 and 2'],
    [{ queue_length: { length: 0 } }, ['queue_length', 'length'], 'must be between 1 and 1000'],
    [{ no_footfall: { minutes: 2 } }, ['no_footfall', 'minutes'], 'must be between 5 and 1440'],
    [{ edge_events_lost: { quiet_minutes: 1.5 } }, ['edge_events_lost', 'quiet_minutes'], 'must be a whole number'],
  ])('%j is out of range', (body, path, message) => {
    const r = alertRulesPatch.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path, message });
  });
});
