import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const migrate: Handler<object> = async (_options, io) => {
  io.stderr('certloop: `migrate` is not implemented yet.\n');
  return EXIT.failed;
};
