import pc from 'picocolors';
import { type CleaveError, isCleaveError, messageOf } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

/** Everything the CLI prints goes through here, so secrets are redacted in one place. */
export class Output {
  private readonly secrets: string[] = [];

  constructor(readonly json: boolean) {}

  addSecrets(values: readonly string[]): void {
    this.secrets.push(...values);
  }

  out(text: string): void {
    process.stdout.write(`${redactText(text, this.secrets)}\n`);
  }

  err(text: string): void {
    process.stderr.write(`${redactText(text, this.secrets)}\n`);
  }

  data(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }

  /** Prints an error the way the user can act on it, and returns the exit code. */
  fail(error: unknown): number {
    if (isCleaveError(error)) {
      if (this.json) {
        // One line, so that it also ends a JSON-lines stream (copy --json) as one parseable object.
        this.out(
          JSON.stringify({
            error: { code: error.code, message: error.message, hint: error.hint, issues: error.issues },
          }),
        );
      } else {
        this.err(`${pc.red('error')}: ${error.message}`);
        for (const issue of error.issues.slice(1)) {
          this.err(
            `  ${issue.line ? `line ${issue.line}: ` : ''}${issue.path ? `${issue.path}: ` : ''}${issue.message}`,
          );
        }
        if (error.hint) this.err(`${pc.dim('hint')}: ${error.hint}`);
      }
      return exitCodeFor((error as CleaveError).code);
    }
    const message = messageOf(error);
    if (this.json) this.out(JSON.stringify({ error: { code: 'INTERNAL', message } }));
    else {
      this.err(`${pc.red('internal error')}: ${message}`);
      if (process.env.CLEAVE_DEBUG && error instanceof Error && error.stack) this.err(error.stack);
      else
        this.err(
          `${pc.dim('hint')}: this is a bug in cleave; run again with CLEAVE_DEBUG=1 and report the output`,
        );
    }
    return EXIT.internal;
  }
}
