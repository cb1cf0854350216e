/** Where a command writes: injected so tests capture output and colour is decided once. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stdout is a terminal: progress and colour are allowed. */
  readonly isTTY: boolean;
  /** Colour only on a TTY and when NO_COLOR is unset. */
  readonly color: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function processIo(): Io {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY,
    color: isTTY && !('NO_COLOR' in process.env),
    env: process.env,
  };
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(io: Pick<Io, 'color'>, colour: Colour, text: string): string {
  return io.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}
