import { hash } from 'node:crypto';

/** The row hash in JavaScript: the md5 of the row's canonical text, its first 8 bytes as a signed integer. */
export function rowHash(text: string): bigint {
  return Buffer.from(hash('md5', text, 'hex').slice(0, 16), 'hex').readBigInt64BE(0);
}

/** The bucket hash of a key's canonical text: the md5's first 4 bytes, unsigned. */
export function keyHash32(text: string): number {
  return Number.parseInt(hash('md5', text, 'hex').slice(0, 8), 16);
}
