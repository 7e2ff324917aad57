// Where the commands write: results to stdout, notes and errors to stderr, so
// `tail | grep` sees only trees.

/** A failure the user can act on, shown as one line, exit code 1. */
export class CliError extends Error {}

export interface Output {
  /** Results (trees, the server's address). */
  write(text: string): void;
  /** One line about what is going on, or what went wrong. */
  note(line: string): void;
  /** Columns for trees. */
  width: number;
  color: boolean;
}

export function processOutput(): Output {
  const stdout = process.stdout;
  const env = process.env;
  // NO_COLOR (no-color.org) wins over a terminal; FORCE_COLOR wins over a pipe.
  const color = !env.NO_COLOR && (Boolean(env.FORCE_COLOR && env.FORCE_COLOR !== "0") || stdout.isTTY === true);
  return {
    write: (text) => void stdout.write(text),
    note: (line) => void process.stderr.write(line + "\n"),
    // A getter: the terminal may be resized while `tail --follow` runs.
    get width() {
      return stdout.columns || 100;
    },
    color,
  };
}
