import { FairQueue } from './fair-queue.ts';

/** Pushes `arrivals` ([camera, item]) in order, then drains: the order items are served in. */
function served(arrivals: Array<[string, string]>): string[] {
  const q = new FairQueue<string>();
  for (const [camera, item] of arrivals) q.push(camera, item);
  const out: string[] = [];
  for (let next = q.next(); next; next = q.next()) out.push(next.item);
  return out;
}

describe('FairQueue', () => {
  it.each([
    ['empty', [], []],
    [
      'one camera keeps its order',
      [
        ['a', 'a1'],
        ['a', 'a2'],
        ['a', 'a3'],
      ],
      ['a1', 'a2', 'a3'],
    ],
    [
      'a busy camera does not keep a quiet one waiting',
      [
        ['busy', 'b1'],
        ['busy', 'b2'],
        ['busy', 'b3'],
        ['busy', 'b4'],
        ['quiet', 'q1'],
      ],
      ['b1', 'q1', 'b2', 'b3', 'b4'],
    ],
    [
      'three cameras take turns',
      [
        ['a', 'a1'],
        ['a', 'a2'],
        ['b', 'b1'],
        ['b', 'b2'],
        ['c', 'c1'],
      ],
      ['a1', 'b1', 'c1', 'a2', 'b2'],
    ],
  ] as Array<[string, Array<[string, string]>, string[]]>)('%s', (_name, arrivals, expected) => {
    expect(served(arrivals)).toEqual(expected);
  });

  it('serves a camera that arrives while others wait after them, and drops a camera that left', () => {
    const q = new FairQueue<string>();
    q.push('a', 'a1');
    q.push('a', 'a2');
    expect(q.next()?.item).toBe('a1');
    q.push('b', 'b1');
    q.push('c', 'c1');
    expect(q.drop('c')).toEqual(['c1']);
    expect(q.size).toBe(2);
    expect([q.next()?.item, q.next()?.item, q.next()]).toEqual(['a2', 'b1', undefined]);
  });
});
