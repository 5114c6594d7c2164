/**
 * The CLI's exit codes (CONTRACTS §5) and the one error type that carries them: every failure a
 * user can meet becomes a CliError with a sentence, printed on stderr by main.
 */
export const ExitCode = {
  done: 0,
  failed: 1,
  usage: 2,
  partial: 3,
  notAllowed: 4,
  /** Ctrl-C while waiting for a job: the shell's convention for SIGINT (128 + 2). */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * The exit code for an API answer that is not a success (CONTRACTS §5): 401/403 not allowed;
 * 400/404/409/413/415 bad input, and so are 410 (an expired lookup: look up again) and 422.
 */
export function exitCodeForStatus(status: number): ExitCodeValue {
  if (status === 401 || status === 403) return ExitCode.notAllowed;
  if ([400, 404, 409, 410, 413, 415, 422].includes(status)) return ExitCode.usage;
  return ExitCode.failed;
}
