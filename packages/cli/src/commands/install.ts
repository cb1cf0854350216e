import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const install: Handler<object> = async (_options, io) => {
  io.stderr('certloop: `install` is not implemented yet.\n');
  return EXIT.failed;
};
