import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stderr, so stdout stays free for command output. */
export function createLogger(level: string = process.env.SHADOWTWIN_LOG_LEVEL ?? 'info', name = 'shadowtwin'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

/** For library use and tests: a logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
