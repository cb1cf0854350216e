/**
 * bash and zsh completion for certloop, rendered from the CLI's own definition
 * (see cli-model.mjs): the commands, and each command's options. Values that
 * name files or directories complete as paths.
 */

/** Option values completed as file names, and as directory names. */
const FILE_VALUES = new Set(['manifest', 'file', 'path']);
const DIR_VALUES = new Set(['dir']);

function optionNames(option) {
  return [option.short, option.long].filter(Boolean);
}

/** @param {import('./cli-model.mjs').CliModel} model */
export function renderBashCompletion(model) {
  const commands = model.commands.map((c) => c.name);
  const cases = model.commands.map((command) => {
    const options = command.options.flatMap(optionNames).join(' ');
    const fileOptions = command.options
      .filter((o) => o.value && FILE_VALUES.has(o.value))
      .flatMap(optionNames);
    const dirOptions = command.options.filter((o) => o.value && DIR_VALUES.has(o.value)).flatMap(optionNames);
    const valueOptions = command.options
      .filter((o) => o.value && !FILE_VALUES.has(o.value) && !DIR_VALUES.has(o.value))
      .flatMap(optionNames);
    const lines = [`    ${command.name})`, `      opts='${options}'`];
    if (fileOptions.length > 0) lines.push(`      files='${fileOptions.join(' ')}'`);
    if (dirOptions.length > 0) lines.push(`      dirs='${dirOptions.join(' ')}'`);
    if (valueOptions.length > 0) lines.push(`      values='${valueOptions.join(' ')}'`);
    lines.push('      ;;');
    return lines.join('\n');
  });
  const globalOptions = model.options.flatMap(optionNames).join(' ');
  return `# bash completion for certloop. Generated from the certloop command definitions
# (packages/cli/src/program.ts) by scripts/package/completion.mjs. Do not edit.

_certloop() {
  local cur prev words cword
  _init_completion || return

  local command='' i
  for ((i = 1; i < cword; i++)); do
    case \${words[i]} in
      -*) ;;
      *) command=\${words[i]}; break ;;
    esac
  done

  if [[ -z $command ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W '${globalOptions}' -- "$cur"))
    else
      COMPREPLY=($(compgen -W '${commands.join(' ')} help' -- "$cur"))
    fi
    return
  fi

  local opts='' files='' dirs='' values=''
  case $command in
${cases.join('\n')}
    help)
      COMPREPLY=($(compgen -W '${commands.join(' ')}' -- "$cur"))
      return
      ;;
  esac

  if [[ " $files " == *" $prev "* ]]; then
    _filedir
    return
  fi
  if [[ " $dirs " == *" $prev "* ]]; then
    _filedir -d
    return
  fi
  if [[ " $values " == *" $prev "* ]]; then
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    _filedir
  fi
} &&
  complete -F _certloop certloop
`;
}

/** Escapes a description for a zsh _arguments spec: brackets and colons are syntax there. */
function zshText(text) {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "'\\''")
    .replace(/([[\]:])/g, '\\$1');
}

function zshOptionSpecs(option) {
  const names = optionNames(option);
  const description = zshText(option.description);
  let action = '';
  if (option.value) {
    const kind = FILE_VALUES.has(option.value) ? '_files' : DIR_VALUES.has(option.value) ? '_files -/' : ' ';
    action = `:${zshText(option.value)}:${kind}`;
  }
  if (names.length === 1) return [`'${names[0]}[${description}]${action}'`];
  const exclusive = `(${names.join(' ')})`;
  return [`'${exclusive}'{${names.join(',')}}'[${description}]${action}'`];
}

/** @param {import('./cli-model.mjs').CliModel} model */
export function renderZshCompletion(model) {
  const commandList = model.commands.map((c) => `    '${c.name}:${zshText(c.description)}'`).join('\n');
  const cases = model.commands.map((command) => {
    const specs = command.options.flatMap(zshOptionSpecs);
    command.arguments.forEach((argument, index) => {
      specs.push(`'${index + 1}:${zshText(argument.description || argument.name)}: '`);
    });
    return `    (${command.name})\n      _arguments -s \\\n        ${specs.join(' \\\n        ')}\n      ;;`;
  });
  const globalSpecs = model.options.flatMap(zshOptionSpecs);
  return `#compdef certloop
# zsh completion for certloop. Generated from the certloop command definitions
# (packages/cli/src/program.ts) by scripts/package/completion.mjs. Do not edit.

_certloop_commands() {
  local -a commands
  commands=(
${commandList}
    'help:display help for a command'
  )
  _describe -t commands 'certloop command' commands
}

_certloop() {
  local curcontext="$curcontext" state line
  typeset -A opt_args

  _arguments -C \\
    ${globalSpecs.join(' \\\n    ')} \\
    '1: :_certloop_commands' \\
    '*:: :->args'

  case $state in
  args)
    case $words[1] in
${cases.join('\n')}
    (help)
      _certloop_commands
      ;;
    esac
    ;;
  esac
}

_certloop "$@"
`;
}
