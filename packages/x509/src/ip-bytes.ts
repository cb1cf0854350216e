/** IP address SANs as the 4 or 16 bytes an X.509 iPAddress general name holds. */
import { isIPv4, isIPv6 } from 'node:net';
import { CertloopError } from '@certloop/core';

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6Bytes(address: string): number[] {
  let text = address;
  let tail: number[] = [];
  // An embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = ipv4Bytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string | undefined) =>
    part ? part.split(':').map((g) => Number.parseInt(g, 16)) : [];
  const before = groups(head);
  const after = groups(rest);
  const all =
    rest === undefined
      ? before
      : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

export function ipAddressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(ipv4Bytes(address));
  if (isIPv6(address)) return Buffer.from(ipv6Bytes(address));
  throw new CertloopError('INTERNAL', `"${address}" is not an IP address.`);
}
