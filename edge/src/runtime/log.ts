// Structured logging for the edge: one JSON object per line on stderr, which journald keeps as is.
// Hand-written rather than pino & co.: what matters here is scrubbing secret VALUES (API keys, RTSP
// passwords) out of any string that reaches the log, including error messages and URLs, which
// path-based redaction in logging libraries does not do. The whole thing is a few lines.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;
export type LogSink = (line: string) => void;

const stderrSink: LogSink = (line) => process.stderr.write(line + '\n');

/** Secrets are shared by a logger and all its children, so one registered late still gets scrubbed. */
class SecretSet {
  private readonly values = new Set<string>();
  add(value: string | undefined): void {
    // Very short values would scrub ordinary words; real keys and passwords are longer.
    if (value && value.length >= 3) this.values.add(value);
  }
  scrub(text: string): string {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join('***');
    return out;
  }
}

export class Logger {
  private constructor(
    private readonly level: LogLevel,
    private readonly fields: LogFields,
    private readonly secrets: SecretSet,
    private readonly sink: LogSink,
  ) {}

  static create(options: { level?: LogLevel; sink?: LogSink; fields?: LogFields } = {}): Logger {
    return new Logger(options.level ?? 'info', options.fields ?? {}, new SecretSet(), options.sink ?? stderrSink);
  }

  /** A logger that adds `fields` to every line (e.g. camera_id). */
  child(fields: LogFields): Logger {
    return new Logger(this.level, { ...this.fields, ...fields }, this.secrets, this.sink);
  }

  /** Values that must never appear in the log, whatever field or message carries them. */
  addSecrets(...values: Array<string | undefined>): void {
    for (const v of values) this.secrets.add(v);
  }

  debug(msg: string, fields?: LogFields): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }

  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] < RANK[this.level]) return;
    const record = { ts: new Date().toISOString(), level, msg, ...this.fields, ...fields };
    const line = JSON.stringify(record, (_key, value: unknown) => (value instanceof Error ? errorText(value) : value));
    this.sink(this.secrets.scrub(line));
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
