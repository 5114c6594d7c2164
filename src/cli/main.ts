/**
 * `retract`, the command-line client of the Retract API (CONTRACTS §5), for scripts, SOAR
 * playbooks and analysts at a terminal. `main(argv, io)` parses, runs one command and answers
 * with the exit code; bin/retract.js calls `runFromProcess()`.
 */
import { Command, CommanderError, Option } from 'commander';
import {
  auditCommand,
  auditVerifyCommand,
  cancelCommand,
  jobsCommand,
  lookupCommand,
  omeRevokeCommand,
  omeStatusCommand,
  runCommand,
  settingsDomainsCommand,
  setupCommand,
  statusCommand,
  traceCommand,
  undoCommand,
} from './commands';
import { CliError, ExitCode, type ExitCodeValue } from './exitCodes';
import { processIo, type CliIo } from './io';
import { Runtime, type GlobalOptions } from './runtime';

/** Repeated list options add up: `--exclude a --exclude b,c` is `a,b,c`. */
function joinList(value: string, previous: string | undefined): string {
  return previous === undefined ? value : `${previous},${value}`;
}

/**
 * Commander's own usage errors ("error: unknown option '--deep'\n(Did you mean --depth?)") in
 * the CLI's voice: one sentence, then commander's hint if it has one.
 */
export function usageSentence(text: string): string {
  const [first = '', ...rest] = text.trim().replace(/^error:\s*/i, '').split('\n');
  const sentence = first.charAt(0).toUpperCase() + first.slice(1);
  const hint = rest.map((l) => l.trim().replace(/^\((.*)\)$/, '$1')).filter(Boolean).join(' ');
  return `retract: ${/[.!?]$/.test(sentence) ? sentence : `${sentence}.`}${hint ? ` ${hint}` : ''} See \`retract --help\`.\n`;
}

function buildProgram(io: CliIo, setExit: (code: ExitCodeValue) => void): Command {
  const program = new Command('retract');
  program
    .description('Take back email after delivery: find every copy of a message in the tenant and retract it.')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(usageSentence(text)),
    })
    .showSuggestionAfterError(true)
    .option('--api <url>', 'the Retract API, e.g. https://retract.contoso.com/api (env RETRACT_API; default from .retract/dev-stack.json)')
    .option('--tenant-id <id>', 'the Entra tenant id (default from the dev-stack file)')
    .option('--client-id <id>', 'the client app that holds a Retract role (default: the dev stack\'s retract-cli app)')
    .option('--client-secret <secret>', 'that app\'s secret (or env RETRACT_CLI_CLIENT_SECRET)')
    .addOption(new Option('--scope <scope>', 'the API\'s scope, api://…/.default (env RETRACT_API_SCOPE)'))
    .addOption(new Option('--authority-host <url>', 'the authority (env RETRACT_AUTHORITY_HOST; default https://login.microsoftonline.com)'))
    .addOption(new Option('--ca-file <file>', 'an extra CA certificate to trust (env RETRACT_CA_FILE)'))
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--quiet', 'no progress bar and no notes on stderr');

  const rt = (cmd: Command) => new Runtime(io, cmd.optsWithGlobals<GlobalOptions>());
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<ExitCodeValue>) =>
    async (...args: A) => {
      setExit(await fn(...args));
    };

  program
    .command('lookup')
    .description('find every copy of a message (and its forwards and replies) without changing anything')
    .argument('<internetMessageId>', 'the Message-ID, with its angle brackets: "<abc@contoso.com>"')
    .option('--depth <n>', 'forwards and replies to follow, 0-5 (default 1)')
    .option('--include-sender-copy', 'also the sender\'s own copy')
    .action(act((id: string, opts: object, cmd: Command) => lookupCommand(rt(cmd), id, opts)));

  program
    .command('run')
    .description('look up a message, then act on exactly those targets and wait for the job')
    .argument('<internetMessageId>', 'the Message-ID, with its angle brackets')
    .option('--depth <n>', 'forwards and replies to follow, 0-5 (default 1)')
    .option('--include-sender-copy', 'also the sender\'s own copy')
    .option('--action <action>', 'soft-delete, hard-delete, move-to-deleted-items or move-to-junk')
    .option('--exclude <messageIds>', 'targets to leave alone (messageIds, comma-separated)', joinList)
    .option('--include <messageIds>', 'ambiguous forwards to act on too (messageIds, comma-separated)', joinList)
    .option('--yes', 'do not ask: act on the preview as it is')
    .option('--reason <text>', 'why, recorded in the audit (e.g. an incident number)')
    .action(act((id: string, opts: object, cmd: Command) => runCommand(rt(cmd), id, opts)));

  program
    .command('status')
    .description('show a job')
    .argument('<jobId>')
    .action(act((id: string, _opts: object, cmd: Command) => statusCommand(rt(cmd), id)));

  program
    .command('undo')
    .description('put back what a job soft-deleted or moved, and wait')
    .argument('<jobId>')
    .action(act((id: string, _opts: object, cmd: Command) => undoCommand(rt(cmd), id)));

  program
    .command('cancel')
    .description('stop a job and wait until it has stopped')
    .argument('<jobId>')
    .action(act((id: string, _opts: object, cmd: Command) => cancelCommand(rt(cmd), id)));

  program
    .command('jobs')
    .description('list jobs, newest first')
    .option('--since <iso>', 'only jobs since this time')
    .action(act((opts: object, cmd: Command) => jobsCommand(rt(cmd), opts)));

  const audit = program
    .command('audit')
    .description('read the audit')
    .option('--section <section>', 'Retract, Revoke, Setup or Access')
    .option('--actor <actor>', 'who acted (UPN or app id)')
    .option('--internet-message-id <id>', 'records about this message')
    .option('--since <iso>', 'records since this time')
    .option('--until <iso>', 'records until this time')
    .action(act((opts: object, cmd: Command) => auditCommand(rt(cmd), opts)));
  audit
    .command('verify')
    .description('check the audit\'s hash chain (exit 1 when broken)')
    .action(act((_opts: object, cmd: Command) => auditVerifyCommand(rt(cmd))));

  const ome = program.command('ome').description('encrypted mail (OME): status and revocation');
  ome
    .command('status')
    .argument('<internetMessageId>')
    .description('whether an encrypted message can be revoked, and whether it was')
    .action(act((id: string, _opts: object, cmd: Command) => omeStatusCommand(rt(cmd), id)));
  ome
    .command('revoke')
    .argument('<internetMessageId>')
    .description('revoke an encrypted message for its recipients outside Microsoft 365')
    .action(act((id: string, _opts: object, cmd: Command) => omeRevokeCommand(rt(cmd), id)));

  program
    .command('trace')
    .description('search delivered mail (message trace)')
    .option('--sender <address>')
    .option('--recipient <address>')
    .option('--subject <text>')
    .option('--since <iso>')
    .option('--until <iso>')
    .action(act((opts: object, cmd: Command) => traceCommand(rt(cmd), opts)));

  program
    .command('setup')
    .description('admin consent, managed domains and permissions')
    .action(act((_opts: object, cmd: Command) => setupCommand(rt(cmd))));

  const settings = program.command('settings').description('Retract\'s settings for this tenant');
  settings
    .command('domains')
    .description('the managed domains; --set replaces them')
    .option('--set <domains>', 'the domains to manage, comma-separated', joinList)
    .action(act((opts: object, cmd: Command) => settingsDomainsCommand(rt(cmd), opts)));

  return program;
}

/** Parses `argv` (without node and script), runs the command and answers with its exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: ExitCodeValue = ExitCode.done;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`retract: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof CommanderError) {
      // Commander has already printed its message; --help and --version are not errors.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.done;
      return ExitCode.usage;
    }
    io.stderr.write(`retract: unexpected error: ${(err as Error).message ?? String(err)}\n`);
    return ExitCode.failed;
  }
}

/** The process entry: exit code set once stdout has drained (a pipe may still be writing). */
export function runFromProcess(): void {
  // `retract jobs | head`: a reader that stops early is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
