/**
 * The command line as plain data, read from the CLI's own commander definition
 * (packages/cli/src/program.ts, compiled by `pnpm build` to
 * packages/cli/dist/program.js). The man page and the shell completions are
 * rendered from this, so they cannot drift from what `certloop` parses.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {{ flags: string, long?: string, short?: string, value?: string,
 *   valueOptional: boolean, mandatory: boolean, description: string, defaultValue?: string }} OptionModel
 * @typedef {{ name: string, required: boolean, variadic: boolean, description: string }} ArgumentModel
 * @typedef {{ examples: [string, string][], exitCodes: [number, string][], environment: [string, string][] }} CommandHelpModel
 * @typedef {{ name: string, description: string, usage: string,
 *   arguments: ArgumentModel[], options: OptionModel[], help?: CommandHelpModel }} CommandModel
 * @typedef {{ name: string, description: string, options: OptionModel[], commands: CommandModel[] }} CliModel
 */

/** @returns {OptionModel} */
function optionModel(option) {
  const value = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  return {
    flags: option.flags,
    long: option.long ?? undefined,
    short: option.short ?? undefined,
    value,
    valueOptional: Boolean(option.optional),
    mandatory: Boolean(option.mandatory),
    description: option.description ?? '',
    defaultValue:
      option.defaultValue === undefined || typeof option.defaultValue === 'boolean'
        ? undefined
        : String(option.defaultValue),
  };
}

/**
 * Loads the compiled program and describes it.
 * @param {string} repo the repository root
 * @returns {Promise<CliModel>}
 */
export async function loadCliModel(repo) {
  const programJs = join(repo, 'packages/cli/dist/program.js');
  if (!existsSync(programJs)) {
    throw new Error(`${programJs} is missing: run \`pnpm build\` first`);
  }
  const { buildProgram } = await import(pathToFileURL(programJs).href);
  // COMMAND_HELP: each command's examples, exit codes and environment (what its --help ends with).
  const commandHelpJs = join(repo, 'packages/cli/dist/command-help.js');
  const { COMMAND_HELP } = await import(pathToFileURL(commandHelpJs).href);
  const ignore = () => {};
  const io = { stdout: ignore, stderr: ignore, isTTY: false, color: false, env: {} };
  const program = await buildProgram(io, ignore);
  const help = program.createHelp();
  return {
    name: program.name(),
    description: program.description(),
    options: help.visibleOptions(program).map(optionModel),
    commands: program.commands.map((command) => ({
      name: command.name(),
      description: command.description(),
      usage: command.usage(),
      arguments: command.registeredArguments.map((argument) => ({
        name: argument.name(),
        required: argument.required,
        variadic: argument.variadic,
        description: argument.description ?? '',
      })),
      options: help.visibleOptions(command).map(optionModel),
      ...(COMMAND_HELP?.[command.name()] === undefined ? {} : { help: COMMAND_HELP[command.name()] }),
    })),
  };
}
