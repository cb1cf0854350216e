/**
 * The Debian machine-readable copyright file (DEP-5) of the certloop package:
 * certloop itself, every npm package bundled into the executable (from
 * dist/sea/build-info.json, each package's package.json and LICENSE file) and
 * the Node.js runtime embedded in it (its LICENSE, which also covers the
 * libraries Node bundles: OpenSSL, ICU, libuv, V8, zlib, ...).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const FORMAT = 'https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/';

/** SPDX identifiers as Debian spells them; licences in /usr/share/common-licenses are referenced, not copied. */
const DEBIAN_NAMES = { MIT: 'Expat', 'BSD-3-Clause': 'BSD-3-clause', 'BSD-2-Clause': 'BSD-2-clause' };
const COMMON_LICENSES = new Set(['Apache-2.0', 'GPL-2', 'GPL-3', 'LGPL-2.1', 'LGPL-3', 'MPL-2.0']);

/** A field's continuation lines: indented by one space, an empty line as " .". */
function continuation(text) {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, '        ')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/^\n+|\n+$/g, '')
    .split('\n')
    .map((line) => (line === '' ? ' .' : ` ${line}`))
    .join('\n');
}

function licenseFile(dir) {
  const name = readdirSync(dir).find((file) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(file));
  return name ? join(dir, name) : undefined;
}

/** "Copyright (c) 2015 Someone" lines of a licence text, without the "Copyright (c)" part. */
export function copyrightNotices(text) {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const notices = [];
  lines.forEach((raw, index) => {
    const line = raw.trim().replace(/^[-*#\s]+/, '');
    const match = /^copyright\b(?:\s*(?:\(c\)|©))?\s*(.*)$/i.exec(line);
    if (!match) return;
    let holder = match[1].trim();
    // "copyright notice", "copyright owner", a heading: not a notice.
    if (
      /^(notice|owner|holder|holders|license|licence|and|in|statement|law|to|of|the\s+(owner|holder))\b/i.test(
        holder,
      )
    )
      return;
    // The template of Apache-2.0's appendix.
    if (/\[yyyy\]|\[name of/i.test(holder)) return;
    if (holder === '' || holder.endsWith(':')) {
      const next = (lines[index + 1] ?? '').trim();
      if (next === '' || /^(permission|the above)/i.test(next)) return;
      holder = `${holder.replace(/:$/, '')} ${next}`.trim();
    }
    if (!notices.includes(holder)) notices.push(holder);
  });
  return notices;
}

function personName(person) {
  if (!person) return undefined;
  return typeof person === 'string' ? person : person.name;
}

function spdx(manifest) {
  const license = manifest.license ?? manifest.licenses;
  if (typeof license === 'string') return license;
  if (Array.isArray(license)) return license.map((l) => (typeof l === 'string' ? l : l.type)).join(' or ');
  if (license && typeof license === 'object') return license.type;
  return undefined;
}

/** One Files paragraph per bundled npm package. */
function npmParagraph({ name, dir }) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const id = spdx(manifest);
  if (!id) throw new Error(`${name} (${dir}) declares no licence in its package.json`);
  const debianName = id
    .split(/\s+(or|and)\s+/i)
    .map((part) => DEBIAN_NAMES[part] ?? part)
    .join(' ');
  const file = licenseFile(dir);
  const text = file ? readFileSync(file, 'utf8') : undefined;
  const people = [manifest.author, ...(manifest.contributors ?? []), ...(manifest.maintainers ?? [])]
    .map(personName)
    .filter(Boolean);
  // A notice naming only years ("Copyright (c) 2020") gets the package's author.
  let notices = (text ? copyrightNotices(text) : []).map((notice) =>
    /^[\d\s,-]+$/.test(notice) && people.length > 0 ? `${notice} ${people[0]}` : notice,
  );
  if (notices.length === 0) {
    notices = people.length > 0 ? people : [`the ${name} authors (the package carries no copyright notice)`];
  }
  const lines = [`Files: node_modules/${name}/*`, `Copyright:${continuation(notices.join('\n'))}`];
  if (COMMON_LICENSES.has(id) || !text) {
    lines.push(`License: ${debianName}`);
    if (COMMON_LICENSES.has(id)) {
      lines.push(
        continuation(
          `On Debian systems, the full text of the ${id} licence is in\n/usr/share/common-licenses/${id}.`,
        ),
      );
    } else {
      lines.push(continuation(`${name} ships no licence file; its package.json declares ${id}.`));
    }
  } else {
    lines.push(`License: ${debianName}`, continuation(text));
  }
  lines.push(`Comment: ${name} ${manifest.version} (npm), bundled into /usr/bin/certloop.`);
  return lines.join('\n');
}

/** Node's LICENSE: given, or from the Node.js running this script (Debian/NodeSource or an upstream tarball). */
export function findNodeLicense(explicit) {
  const candidates = [
    explicit,
    '/usr/share/doc/nodejs/LICENSE',
    join(dirname(dirname(process.execPath)), 'share', 'doc', 'node', 'LICENSE'),
    join(dirname(dirname(process.execPath)), 'LICENSE'),
  ].filter(Boolean);
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `Node.js's LICENSE was not found (looked at ${candidates.join(', ')}); pass nodeLicense.`,
    );
  }
  return found;
}

/**
 * @param {{ packages: { name: string, dir: string }[], certloopParagraph: string,
 *   nodeVersion: string, nodeLicense: string }} input
 */
export function renderCopyright({ packages, certloopParagraph, nodeVersion, nodeLicense }) {
  const nodeText = readFileSync(nodeLicense, 'utf8');
  const header = [
    `Format: ${FORMAT}`,
    'Upstream-Name: certloop',
    'Comment: /usr/bin/certloop is a single executable: the Node.js runtime with',
    ' certloop and the npm packages below bundled into it. The paragraphs after',
    " certloop's own list each of them with its licence.",
  ].join('\n');
  const node = [
    'Files: node/*',
    `Copyright:${continuation(copyrightNotices(nodeText).slice(0, 2).join('\n'))}`,
    'License: Node.js',
    continuation(nodeText),
    `Comment: The Node.js ${nodeVersion} runtime embedded in /usr/bin/certloop. Its`,
    ' licence text above also gives the licences of the libraries Node.js bundles',
    ' (OpenSSL, ICU, libuv, V8, llhttp, zlib and others).',
  ].join('\n');
  const sorted = [...packages].sort((a, b) => a.name.localeCompare(b.name));
  return `${[header, certloopParagraph.trim(), node, ...sorted.map(npmParagraph)].join('\n\n')}\n`;
}
