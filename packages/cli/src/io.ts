/** Where a command writes: injected so tests capture output and colour is decided once. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stdout is a terminal: progress and colour are allowed. */
  readonly isTTY: boolean;
  /** See colourWanted. */
  readonly color: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Whether to colour: --no-color wins; then FORCE_COLOR (any value but 0 or
 * false turns colour on, for CI logs and `less -R`); then NO_COLOR (any
 * non-empty value, no-color.org); otherwise only on a terminal.
 */
export function colourWanted(context: {
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  noColorFlag?: boolean;
}): boolean {
  if (context.noColorFlag === true) return false;
  const force = context.env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  const noColor = context.env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  return context.isTTY;
}

export function processIo(): Io {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY,
    color: colourWanted({ isTTY, env: process.env }),
    env: process.env,
  };
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(io: Pick<Io, 'color'>, colour: Colour, text: string): string {
  return io.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}
