/**
 * The rows of a `DataSource.query` answer, whatever the statement. TypeORM's postgres driver answers
 * UPDATE/DELETE … RETURNING as [rows, affected] but SELECT and INSERT … RETURNING as rows; one normaliser for
 * every module instead of each wrapping its statements in CTEs or unpacking by hand.
 */
export function flatRows(result: unknown): unknown[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return result as unknown[];
}
