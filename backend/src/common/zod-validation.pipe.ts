import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { describeIssue } from '../../../shared/src/events.ts';

/** Validates a body or query against a zod schema; a failure is a 400 whose message names the field. */
export class ZodValidationPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(
    private readonly schema: T,
    private readonly what: 'body' | 'query' = 'body',
  ) {}

  transform(value: unknown): z.infer<T> {
    if (this.what === 'body' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'body: must be a JSON object', field: 'body' });
    }
    const input = value ?? {};
    const parsed = this.schema.safeParse(input);
    if (!parsed.success) {
      const v = describeIssue(parsed.error, input);
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', ...v, message: `${v.field}: ${v.message}` });
    }
    return parsed.data;
  }
}
