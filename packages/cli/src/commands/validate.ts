import { ManifestError } from '@certloop/core';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { loadFromOptions } from '../manifest.js';
import type { ManifestOptions } from '../options.js';
import { renderProblems } from '../render/problems.js';

export interface ValidateOptions extends ManifestOptions {
  json?: boolean;
}

/** `certloop validate`: every problem at once, exit 3 when there is any error; writes nothing. */
export const validate: Handler<ValidateOptions> = async (options, io) => {
  try {
    const { state, warnings } = await loadFromOptions(options);
    const count = state.certificates.length;
    if (options.json) {
      io.stdout(
        `${JSON.stringify({ valid: true, format: state.format, certificates: count, problems: warnings }, null, 2)}\n`,
      );
    } else {
      io.stderr(renderProblems(options.file, warnings, io));
      io.stdout(`valid: ${count} certificate${count === 1 ? '' : 's'} (${state.format} format)\n`);
    }
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    if (options.json) {
      io.stdout(`${JSON.stringify({ valid: false, problems: error.problems }, null, 2)}\n`);
    } else {
      io.stderr(renderProblems(options.file, error.problems, io));
      io.stderr(`invalid: ${error.message}\n`);
    }
    return EXIT.invalid;
  }
};
