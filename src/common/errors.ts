import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * Every error shadowtwin raises on purpose. `code` is stable; `message` says
 * what happened and what to do; `details` carries structured data (for
 * config errors: the list of issues).
 */
export class ShadowtwinError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShadowtwinError';
    this.code = code;
    this.details = options.details;
  }

  get exitCode(): number { return ERROR_CODES[this.code].exitCode; }
  get grpcStatus(): number { return ERROR_CODES[this.code].grpcStatus; }
  get httpStatus(): number { return (ERROR_CODES[this.code] as { httpStatus?: number }).httpStatus ?? 500; }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isShadowtwinError(err: unknown): err is ShadowtwinError {
  return err instanceof ShadowtwinError;
}

/** The JSON body every HTTP error from the sidecar carries. */
export function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}
