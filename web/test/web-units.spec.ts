import { csvCell, csvFileName, parseCsv, toCsv } from '../src/csv.ts';
import { addDays, daysBetween, labelToAxisSeconds, localParts, localToday, zoneOffsetLabel } from '../src/dates.ts';
import { fmtCount, fmtPct, fmtPctInterval, fmtPValue, fmtSeconds } from '../src/format.ts';

describe('CSV', () => {
  it('quotes what needs quoting and writes a header row, CRLF after every row', () => {
    const csv = toCsv(['zone_id', 'avg_dwell_seconds', 'note'], [['electronics', 61.25, 'a, "b"'], ['x\ny', null, true]]);
    expect(csv).toBe('zone_id,avg_dwell_seconds,note\r\nelectronics,61.25,"a, ""b"""\r\n"x\ny",,true\r\n');
    expect(parseCsv(csv)).toEqual([['zone_id', 'avg_dwell_seconds', 'note'], ['electronics', '61.25', 'a, "b"'], ['x\ny', '', 'true']]);
  });

  it('neutralises spreadsheet formulas but keeps negative numbers', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-3.5')).toBe('-3.5');
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('parses a BOM-prefixed file and names files safely', () => {
    expect(parseCsv('\ufeffa,b\r\n1,2\r\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(csvFileName('wink', 'store 1/x', 'zones', '2024-01-15')).toBe('wink_store-1-x_zones_2024-01-15.csv');
  });
});

describe('store-local dates', () => {
  it('computes the local date and hour in the store zone, not the machine zone', () => {
    const ms = Date.parse('2024-01-15T23:30:00Z');
    expect(localParts(ms, 'Asia/Kolkata')).toMatchObject({ date: '2024-01-16', hour: 5, minute: 0 });
    expect(localParts(ms, 'America/New_York')).toMatchObject({ date: '2024-01-15', hour: 18 });
    expect(localToday('Asia/Kolkata', ms)).toBe('2024-01-16');
  });

  it('does calendar arithmetic across month and DST boundaries', () => {
    expect(addDays('2024-03-30', 2)).toBe('2024-04-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysBetween('2024-03-25', '2024-04-01')).toBe(7);
  });

  it('places bucket labels on a fake-UTC axis so wall-clock labels survive any browser zone', () => {
    expect(labelToAxisSeconds('2024-01-15')).toBe(Date.parse('2024-01-15T00:00:00Z') / 1000);
    expect(labelToAxisSeconds('2024-01-15T10:00')).toBe(Date.parse('2024-01-15T10:00:00Z') / 1000);
    expect(labelToAxisSeconds('2024-01-15T10:00:00+05:30')).toBe(Date.parse('2024-01-15T10:00:00Z') / 1000);
    expect(zoneOffsetLabel('Asia/Kolkata')).toBe('GMT+5:30');
  });
});

describe('formatting', () => {
  it('formats counts, durations, percentages and intervals', () => {
    expect(fmtCount(12345)).toBe('12,345');
    expect(fmtCount(null)).toBe('—');
    expect(fmtSeconds(45.26)).toBe('45.3 s');
    expect(fmtSeconds(125)).toBe('2 min 05 s');
    expect(fmtSeconds(3725)).toBe('1 h 02 min');
    expect(fmtPct(12.345)).toBe('+12.3 %');
    expect(fmtPct(-4)).toBe('\u22124.0 %');
    expect(fmtPctInterval([-2.04, null])).toBe('\u22122.0 % to +∞');
    expect(fmtPValue(0.000001)).toBe('< 0.0001');
    expect(fmtPValue(0.0312)).toBe('0.031');
  });
});
