import type { Logger } from '@nestjs/common';
import { TypedEvents } from './typed-events.ts';

interface Events {
  'thing.done': { id: number };
  'other.done': string;
}

function withLog() {
  const warnings: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m) } as unknown as Logger;
  return { events: new TypedEvents<Events>(logger), warnings };
}

describe('TypedEvents', () => {
  it('awaits every listener of the event, side by side, and only those', async () => {
    const { events } = withLog();
    const seen: string[] = [];
    events.on('thing.done', async (p) => {
      await new Promise((r) => setTimeout(r, 20));
      seen.push(`slow ${p.id}`);
    });
    events.on('thing.done', (p) => {
      seen.push(`fast ${p.id}`);
    });
    events.on('other.done', (s) => {
      seen.push(`other ${s}`);
    });
    await events.emit('thing.done', { id: 7 });
    expect(seen).toEqual(['fast 7', 'slow 7']);
  });

  it('logs a failing listener (thrown or rejected) with the context, still runs the others, never rejects', async () => {
    const { events, warnings } = withLog();
    let ran = false;
    events.on('thing.done', () => {
      throw new Error('sync boom');
    });
    events.on('thing.done', async () => {
      throw new Error('async boom');
    });
    events.on('thing.done', async () => {
      ran = true;
    });
    await expect(events.emit('thing.done', { id: 1 }, 'after thing 1')).resolves.toBeUndefined();
    expect(ran).toBe(true);
    expect(warnings).toEqual(['after thing 1: sync boom', 'after thing 1: async boom']);
  });

  it('emits to nobody without listeners', async () => {
    const { events, warnings } = withLog();
    await events.emit('other.done', 'x');
    expect(warnings).toEqual([]);
  });
});
