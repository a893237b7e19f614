/**
 * A flat copy of a string. Parsed fields are V8 slices of the 256 KiB chunk
 * they were read from: keeping one (a map key, a sampled path) would keep
 * the whole chunk alive, and memory would grow with the file. Built strings
 * (concatenations) would be flattened again each time they are hashed.
 */
export function flatCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
