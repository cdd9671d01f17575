/*
 * Timeouts and deadlines.
 *
 * A timeout is in milliseconds: undefined or Infinity means no limit, 0 or less means poll once
 * without blocking, NaN is a RangeError and anything that is not a number a TypeError. Deadlines are
 * read from performance.now(), a monotonic clock, and only on slow paths: the uncontended path of a
 * primitive validates its timeout without reading the clock.
 */

import { rangeError, typeError } from '../errors.js';

/** Validates a timeout argument and returns it in ms (Infinity for none). Never reads the clock. */
export function checkTimeout(timeout: unknown, where: string): number {
  if (timeout === undefined) return Number.POSITIVE_INFINITY;
  if (typeof timeout !== 'number') {
    throw typeError(`${where}: timeout must be a number of milliseconds or undefined, got ${typeof timeout}`);
  }
  if (Number.isNaN(timeout)) throw rangeError(`${where}: timeout must not be NaN`);
  return timeout;
}

/** The monotonic clock, in ms. */
export const now: () => number = () => performance.now();

/** Turns a checked timeout (ms) into an absolute deadline on the monotonic clock. */
export function deadlineOf(ms: number): number {
  if (ms === Number.POSITIVE_INFINITY) return ms;
  if (ms <= 0) return Number.NEGATIVE_INFINITY;
  return now() + ms;
}
