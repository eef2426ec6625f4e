import { formatClipTime, HandCountError, parseClipTime, parseHandCount } from './hand-count.ts';

describe('parseClipTime', () => {
  it.each<[string, number | null]>([
    ['12', 12],
    ['12.5', 12.5],
    [' 0.04 ', 0.04],
    ['1:07', 67],
    ['1:07.5', 67.5],
    ['0:00', 0],
    ['75:00', 4500],
    ['1:60', null],
    ['1:7', null],
    ['-3', null],
    ['abc', null],
    ['', null],
    ['1:02:03', null],
  ])('%j → %j', (text, seconds) => {
    expect(parseClipTime(text)).toBe(seconds);
  });
});

describe('formatClipTime', () => {
  it.each<[number, string]>([
    [0, '0:00.0'],
    [7.25, '0:07.3'],
    [67.5, '1:07.5'],
  ])('%d s → %s', (s, text) => expect(formatClipTime(s)).toBe(text));
});

describe('parseHandCount', () => {
  const lines = ['entrance'];
  const problems = (text: string, known: readonly string[] = lines) => {
    try {
      parseHandCount(text, 'counts.csv', known);
    } catch (err) {
      if (err instanceof HandCountError) return err.problems;
      throw err;
    }
    return [];
  };

  it('reads seconds and m:ss, sorted by time, with spreadsheet row numbers', () => {
    expect(parseHandCount('time,direction\n1:02,out\n3.5,IN\n\n', 'counts.csv', lines)).toEqual([
      { line: 'entrance', direction: 'in', atS: 3.5, row: 3 },
      { line: 'entrance', direction: 'out', atS: 62, row: 2 },
    ]);
  });

  it('reads the optional line column', () => {
    expect(parseHandCount('time,direction,line\r\n4,in,door_b\r\n', 'c', ['door_a', 'door_b'])).toEqual([{ line: 'door_b', direction: 'in', atS: 4, row: 2 }]);
  });

  it.each<[string, string, string[]]>([
    ['a wrong header', 'when,direction\n1,in', ['row 1: the header must be time,direction[,line], got "when,direction"']],
    ['a bad time', 'time,direction\n1,in\nsoon,out', ['row 3, time: "soon" is not a clip time (seconds like 12.5, or m:ss like 1:07)']],
    ['a bad direction', 'time,direction\n0:05,inn', ['row 2, direction: "inn" must be in or out']],
    ['an unknown line', 'time,direction,line\n5,in,back', ['row 2, line: "back" is not a counting line of this camera (it has: entrance)']],
    ['a missing field', 'time,direction\n5', ['row 2: expected 2 fields (time,direction), got 1: "5"']],
    ['no rows', 'time,direction\n', ['no crossings: the file has a header but no rows']],
    [
      'every problem at once',
      'time,direction\nx,in\n2,sideways',
      ['row 2, time: "x" is not a clip time (seconds like 12.5, or m:ss like 1:07)', 'row 3, direction: "sideways" must be in or out'],
    ],
  ])('refuses %s, naming row and field', (_name, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it('puts the file name first in the message', () => {
    expect(() => parseHandCount('time,direction\n1,up', 'counts.csv', lines)).toThrow(/^counts\.csv: invalid hand count\nrow 2, direction/);
  });
});
