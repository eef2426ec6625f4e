/**
 * `promise`, or a rejection with `message` after `ms`: for calls to a service that may not answer at all
 * (a Redis or PostgreSQL that is down keeps commands waiting). The timer is unref'd so it never holds a
 * process open.
 */
export function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref())]);
}
