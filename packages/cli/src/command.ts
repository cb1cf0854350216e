import type { Io } from './io.js';

/** A command handler: gets parsed options and the io, returns the exit code. */
export type Handler<Options> = (options: Options, io: Io) => Promise<number>;
