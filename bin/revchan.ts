#!/usr/bin/env node
/**
 * The revchan command. `revchan inspect` explains a channel PSBT or
 * transaction before it is signed or broadcast; the work is done by
 * explainInput (lib/inspect), this file only reads arguments and input and
 * prints. Exit status: 0 explained, 1 the input is not a channel PSBT or
 * transaction (or cannot be read), 2 the command line is wrong.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ChannelError, ExplainOptions, explainInput, explanationToJson, isChannelError, renderExplanation } from '../lib';

const USAGE = `usage: revchan inspect [options] <input>
       revchan --version

Explains a revchan channel PSBT or transaction: its kind and variant, the
state number, amounts and fee, each script as ASM and miniscript, which
signatures are present and missing, and warnings.

<input> is a PSBT (base64, hex or a binary file), a transaction (hex or a
binary file), a file holding either, or - to read standard input.

options:
  --json                      print the report as JSON
  --sender-funding-key <hex>  the sender's funding key S_f: makes the state
                              number exact (the funding script sorts its keys)
  --receiver-funding-key <hex>
                              with --sender-funding-key: decode the state of a
                              transaction that does not show its funding script
  -h, --help                  show this help
  --version                   print revchan's version

exit status: 0 explained, 1 not a channel PSBT or transaction, 2 usage error
`;

class UsageError extends Error {}

interface Args {
  readonly input: string;
  readonly json: boolean;
  readonly opts: ExplainOptions;
}

function keyOption(name: string, value: string | undefined): Uint8Array {
  if (value === undefined) throw new UsageError(`${name} needs a value`);
  if (!/^(02|03)[0-9a-fA-F]{64}$/.test(value)) throw new UsageError(`${name} must be a compressed public key in hex (66 digits)`);
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

/** The version of the package this command belongs to, from its own package.json (dist/bin/ -> the package root). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

function parseArgs(argv: readonly string[]): Args | 'help' | 'version' {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('no command given');
  if (command === '-h' || command === '--help' || command === 'help') return 'help';
  if (command === '--version') return 'version';
  if (command !== 'inspect') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  let json = false;
  let sender: Uint8Array | undefined;
  let receiver: Uint8Array | undefined;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? rest[++i];
    if (arg === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    } else if (flag === '-h' || flag === '--help') return 'help';
    else if (flag === '--json') json = true;
    else if (flag === '--sender-funding-key') sender = keyOption(flag, value());
    else if (flag === '--receiver-funding-key') receiver = keyOption(flag, value());
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'no input given' : 'give one input');
  if (receiver !== undefined && sender === undefined) throw new UsageError('--receiver-funding-key needs --sender-funding-key');
  return {
    input: positional[0]!,
    json,
    opts: { ...(sender ? { senderFundingKey: sender } : {}), ...(receiver ? { receiverFundingKey: receiver } : {}) },
  };
}

/** The argument itself, or the bytes of the file it names, or standard input for `-`. */
function readInput(arg: string): string | Uint8Array {
  if (arg === '-') return readFileSync(0);
  let isFile = false;
  try {
    isFile = statSync(arg).isFile();
  } catch {
    isFile = false;
  }
  if (isFile) return readFileSync(arg);
  // Neither a base64 PSBT nor hex, and shaped like a path: a file that is not there.
  const data = arg.startsWith('cHNidP8') || /^[0-9a-fA-F\s]*$/.test(arg);
  if (!data && (/[/\\]/.test(arg) || /\.[A-Za-z0-9]{1,8}$/.test(arg))) throw new ChannelError('NOT_FOUND', `no such file: ${arg}`, undefined, { action: 'ignore' });
  return arg;
}

function main(argv: readonly string[]): number {
  let args: Args | 'help' | 'version';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`revchan: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  try {
    const report = explainInput(readInput(args.input), args.opts);
    process.stdout.write(args.json ? `${explanationToJson(report)}\n` : renderExplanation(report));
    return 0;
  } catch (e) {
    if (isChannelError(e)) {
      process.stderr.write(`revchan inspect: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'EISDIR' || err.code === 'ENOENT') {
      process.stderr.write(`revchan inspect: cannot read ${args.input}: ${err.message}\n`);
      return 1;
    }
    throw e;
  }
}

// `revchan inspect ... | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

process.exitCode = main(process.argv.slice(2));
