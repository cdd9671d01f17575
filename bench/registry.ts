/* Every scenario kind that runs on threads: the timed ones (kernels.ts) and the allocation ones (alloc.ts). */

import { ALLOC_KINDS, prepareAlloc } from './alloc.js';
import type { Competitor, Params } from './common.js';
import { KINDS, type KindDef, prepare } from './kernels.js';

export const ALL_KINDS: Record<string, KindDef> = { ...KINDS, ...ALLOC_KINDS };

/** Loads what the kernels need (multithreading's classes); call once per thread before any sample. */
export async function prepareAll(): Promise<void> {
  await Promise.all([prepare(), prepareAlloc()]);
}

/** A job for one worker: run `role` of (kind, competitor). */
export interface Job {
  id: number;
  kind: string;
  competitor: Competitor;
  role: number;
  shared: unknown;
  mine: unknown;
  p: Params;
  ctl: Int32Array;
}
