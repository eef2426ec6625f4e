import { PayloadTooLargeException, type PipeTransform } from '@nestjs/common';
import { eventBatchSchema, MAX_EVENTS_PER_BATCH, type EventBatch } from '../../../shared/src/events.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';

/** Oversize batches are a 413 (the edge should split them), checked before the per-event validation. */
export class EventBatchPipe implements PipeTransform<unknown, EventBatch> {
  private readonly validate = new ZodValidationPipe(eventBatchSchema);

  transform(value: unknown): EventBatch {
    const events = (value as { events?: unknown } | null)?.events;
    if (Array.isArray(events) && events.length > MAX_EVENTS_PER_BATCH) {
      throw new PayloadTooLargeException({
        statusCode: 413,
        error: 'Payload Too Large',
        field: 'events',
        message: `events: ${events.length} events in one batch; at most ${MAX_EVENTS_PER_BATCH} are accepted`,
      });
    }
    return this.validate.transform(value);
  }
}
