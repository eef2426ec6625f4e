// wink-edge: the store device's command line.
//   wink-edge run <config.yaml> [--pipeline vision|synthetic|<module>] [--pipeline-options <json>]
//   wink-edge validate <config.yaml> [--require-env]
//   wink-edge test <config.yaml>
//   wink-edge audit --config <config.yaml> --camera <id> <clip.mp4> [--truth counts.csv | --mot gt.txt] (audit/audit-command.ts)
// Arguments are parsed with node:util parseArgs: built into both Node and Deno, and enough for three
// subcommands with one option, so no CLI library is worth a dependency.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { urlPasswords } from '../../shared/src/url-secrets.ts';
import { renderBanner } from './runtime/banner.ts';
import { checkConfigFile, ConfigError, loadConfig, type EdgeConfig } from './runtime/config.ts';
import { errorText, Logger } from './runtime/log.ts';
import { siblingModule } from './runtime/pipeline.ts';
import { runSelfTest } from './runtime/self-test.ts';
import { CameraSupervisor } from './runtime/supervisor.ts';
import { startLocalUi, type LocalUi } from './local-ui/local-ui-server.ts';
import { EDGE_VERSION } from './runtime/version.ts';

const USAGE = `wink-edge ${EDGE_VERSION} — WINK in-store analytics, edge device

Usage:
  wink-edge run <config.yaml> [--pipeline vision|synthetic|<module>] [--pipeline-options <json>]
                                   start every camera; SIGTERM/SIGINT stops cleanly
  wink-edge run <config.yaml> --pipeline synthetic --write-into <store_id>
                                   made-up events INTO THAT STORE'S REAL NUMBERS (a test store);
                                   to check the path without writing, use wink-edge test
  wink-edge validate <config.yaml> [--require-env]
                                   check the configuration, print OK or every problem; a \${VAR}
                                   not set here is a warning (this shell may lack the service's
                                   secrets) unless --require-env makes it an error, as the service does
  wink-edge test <config.yaml>      self-test: configuration, geometry, offline buffer, backend
  wink-edge audit --config <config.yaml> --camera <camera_id> <clip.mp4> [--truth counts.csv | --mot gt.txt]
                                   one camera's counts on a recorded clip, against a hand count or
                                   ground truth; sends nothing (wink-edge audit --help for its options)

Options:
  --pipeline   what analyses each camera: "vision" (default, the detector), or "synthetic"
               (made-up events, to check the path to the backend without cameras)
  --pipeline-options  JSON object handed to every camera's pipeline, e.g. '{"realtime":false}' to
               replay files as fast as possible, or the synthetic pipeline's '{"events_per_second":20}'
  -h, --help   this text
  --version    print the version

Exit codes: 0 ok, 1 a check failed, 2 bad usage or configuration.`;

/** Time from a stop signal to exit: workers get to stop, outboxes to send or write to disk. */
const STOP_GRACE_MS = 2000;
const FLUSH_DEADLINE_MS = 3000;
const HARD_EXIT_MS = 8000;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'audit') {
    // Loaded only here: it brings the detector and decoder into this process (run keeps them in workers).
    const { AUDIT_USAGE, auditCommand } = await import('./audit/audit-command.ts');
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(`${AUDIT_USAGE}\n`);
      return 0;
    }
    return auditCommand(argv.slice(1), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
  }
  // biome-ignore lint/suspicious/noImplicitAnyLet: tsc types it from the parseArgs assignment below (an evolving let, not any)
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        pipeline: { type: 'string', default: 'vision' },
        'pipeline-options': { type: 'string' },
        'write-into': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        'require-env': { type: 'boolean' },
      },
    });
  } catch (err) {
    process.stderr.write(`${errorText(err)}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${EDGE_VERSION}\n`);
    return 0;
  }
  const [command, configPath, ...extra] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return values.help ? 0 : 2;
  }
  if (!['run', 'validate', 'test'].includes(command) || !configPath || extra.length > 0) {
    process.stderr.write(`${!['run', 'validate', 'test'].includes(command) ? `unknown command "${command}"` : 'expected one config file'}\n\n${USAGE}\n`);
    return 2;
  }

  if (values['require-env'] && command !== 'validate') {
    process.stderr.write(`--require-env is an option of validate (run and test always need every variable)\n\n${USAGE}\n`);
    return 2;
  }

  let config: EdgeConfig;
  try {
    if (command === 'validate' && !values['require-env']) {
      // The file itself: variables this shell does not have are listed, as only run and test need their values.
      const check = checkConfigFile(configPath);
      for (const warning of check.unsetEnv) process.stderr.write(`warning: ${warning}\n`);
      const names = [...new Set(check.unsetEnv.map((w) => /environment variable (\S+) is not set$/.exec(w)?.[1]))];
      const later = names.length ? `; not set here, needed by run and test: ${names.join(', ')}` : '';
      process.stdout.write(`OK: ${configPath}: store ${check.storeId}, ${check.cameras} camera(s)${later}\n`);
      return 0;
    }
    config = loadConfig(configPath);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (command === 'test') {
      process.stdout.write(`❌ config invalid:\n${err.problems.map((p) => `   ${p}`).join('\n')}\n`);
      return 1;
    }
    process.stderr.write(`${err.message}\n`);
    return command === 'validate' ? 1 : 2;
  }

  switch (command) {
    case 'validate':
      process.stdout.write(`OK: ${configPath}: store ${config.store_id}, ${config.cameras.length} camera(s)\n`);
      return 0;
    case 'test':
      return (await runSelfTest(config, (line) => process.stdout.write(line + '\n'))) ? 0 : 1;
    default: {
      let pipelineOptions: Record<string, unknown> = {};
      try {
        const parsedOptions: unknown = JSON.parse(values['pipeline-options'] ?? '{}');
        if (parsedOptions === null || typeof parsedOptions !== 'object' || Array.isArray(parsedOptions)) throw new Error('not an object');
        pipelineOptions = parsedOptions as Record<string, unknown>;
      } catch (err) {
        process.stderr.write(`--pipeline-options: must be a JSON object (${errorText(err)})\n`);
        return 2;
      }
      const pipeline = values.pipeline ?? 'vision';
      if (pipeline === 'synthetic') {
        // Made-up visitors land in the store's real footfall, history and reports: only on purpose.
        if (values['write-into'] !== config.store_id) {
          process.stderr.write(
            `--pipeline synthetic writes made-up events into store ${config.store_id}'s real numbers (footfall, history, reports).\n` +
              `To do that on purpose (a test store), add --write-into ${config.store_id}. ` +
              `To check the path to the backend without writing anything, run: wink-edge test ${configPath}\n`,
          );
          return 2;
        }
        process.stderr.write(`⚠️  synthetic pipeline: writing made-up events into store ${config.store_id} at ${config.api_base}\n`);
      }
      return run(config, configPath, pipeline, pipelineOptions);
    }
  }
}

async function run(config: EdgeConfig, configPath: string, pipeline: string, pipelineOptions: Record<string, unknown>): Promise<number> {
  const log = Logger.create({ level: config.log_level });
  for (const camera of config.cameras) log.addSecrets(camera.api_key, ...urlPasswords(camera.rtsp));
  log.addSecrets(config.local_ui?.password);

  const pipelineModule = pipelineModuleUrl(pipeline);
  if (pipelineModule.protocol === 'file:' && !existsSync(fileURLToPath(pipelineModule))) {
    log.error('pipeline module not found', {
      pipeline,
      module: pipelineModule.href,
      hint: 'use --pipeline synthetic to exercise the runtime without the vision code',
    });
    return 2;
  }

  process.stdout.write(renderBanner(config, EDGE_VERSION) + '\n');
  const supervisor = new CameraSupervisor({
    config,
    log,
    pipelineModule,
    pipelineOptions: () => pipelineOptions,
    stopGraceMs: STOP_GRACE_MS,
    flushDeadlineMs: FLUSH_DEADLINE_MS,
    sharedInference: pipeline === 'vision' && config.detector.inference === 'shared',
    // A replay of files with `replay: every_frame` everywhere is an audit run: it ends with its files.
    onAllEnded: () => {
      if (config.cameras.every((c) => c.replay === 'every_frame')) endOfReplay?.('end of replay');
    },
  });

  let endOfReplay: ((reason: string) => void) | undefined;
  const stopped = new Promise<string>((resolve) => {
    endOfReplay = resolve;
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  try {
    await supervisor.start();
  } catch (err) {
    log.error('cannot start', { error: errorText(err) });
    await supervisor.stop();
    return 1;
  }
  log.info('running', { store_id: config.store_id, cameras: config.cameras.length, pipeline });
  let localUi: LocalUi | null = null;
  if (config.local_ui) {
    try {
      localUi = await startLocalUi({ settings: config.local_ui, configPath, config, env: process.env, cameras: supervisor, log });
      log.info('calibration page listening', { url: localUi.url });
    } catch (err) {
      // The page is a tool for the technician: the store keeps counting without it.
      log.error('calibration page cannot start; the cameras run without it', {
        error: errorText(err),
        listen: config.local_ui.listen,
        port: config.local_ui.port,
      });
    }
  }

  const signal = await stopped;
  log.info('stopping', { signal });
  // Should a worker or the disk hang, still exit: systemd would otherwise SIGKILL us later anyway.
  const hardExit = setTimeout(() => {
    log.error('stop took too long; exiting anyway', { after_ms: HARD_EXIT_MS });
    process.exit(1);
  }, HARD_EXIT_MS);
  await localUi?.close();
  await supervisor.stop();
  clearTimeout(hardExit);
  const counters = config.cameras.map((c) => ({ camera_id: c.camera_id, ...supervisor.outbox(c.camera_id)?.counters }));
  log.info('stopped', { cameras: counters });
  return 0;
}

/** "vision" and "synthetic" name the built-in pipelines; anything else is a module path or URL. */
function pipelineModuleUrl(pipeline: string): URL {
  if (pipeline === 'vision') return siblingModule('vision/camera-vision-pipeline', import.meta.url);
  if (pipeline === 'synthetic') return siblingModule('runtime/synthetic-pipeline', import.meta.url);
  return /^[a-z][a-z0-9+.-]+:/i.test(pipeline) ? new URL(pipeline) : pathToFileURL(pipeline);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`wink-edge: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
