/*
 * Every scenario of `npm run bench`, in the order they run and print: the timed ones by primitive,
 * then memory, then heap allocation. To add one, add it to its primitive's module (or a new module
 * listed here); run.ts, the hosts, the tables and the goals find it by its id.
 */

import type { Competitor, Params } from '../common.js';
import { type Family, PY, type ScenarioSpec } from '../scenario.js';
import { BARRIER } from './barrier.js';
import { CONDITION } from './condition.js';
import { EVENT } from './event.js';
import { FAIRNESS } from './fairness.js';
import { LOCK } from './lock.js';
import { MEMORY } from './memory.js';
import { SEMAPHORE } from './semaphore.js';

export const FAMILIES: Family[] = [
  ...EVENT,
  ...LOCK,
  ...SEMAPHORE,
  ...BARRIER,
  ...CONDITION,
  ...FAIRNESS,
  ...MEMORY,
];

const byKind = new Map(FAMILIES.map((f) => [f.kind, f]));

export function family(kind: string): Family {
  const f = byKind.get(kind);
  if (f === undefined) throw new Error(`unknown scenario kind ${kind}`);
  return f;
}

export interface Scenario extends ScenarioSpec {
  kind: string;
}

const order = (f: Family): number => (f.runs === 'alloc' ? 2 : f.runs === 'fresh' ? 1 : 0);

export const SCENARIOS: Scenario[] = [...FAMILIES]
  .sort((a, b) => order(a) - order(b))
  .flatMap((f) => f.scenarios.map((s) => ({ ...s, kind: f.kind })));

export type Where = 'local' | 'harmony' | 'gc' | 'python' | 'fresh';

/** Where (scenario, competitor) runs, or why it cannot. */
export function placement(s: Scenario, c: Competitor): { where: Where } | { na: string } {
  const f = family(s.kind);
  const impl = f.impls[c];
  if (impl === PY) return { where: 'python' };
  if (f.runs === 'fresh') return typeof impl === 'string' ? { na: impl } : { where: 'fresh' };
  if (impl === undefined) return { na: 'no kernel' };
  if (typeof impl === 'string') return { na: impl };
  if (c === 'v8-mutex') return { where: 'harmony' };
  if (f.runs === 'alloc') return { where: 'gc' };
  return { where: 'local' };
}

export type { Params };
