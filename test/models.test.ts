/*
 * The SPIN models (test/spin/*.pml) against the code they model, without SPIN:
 *   - drift: every protocol constant a model carries (`#define X v /* weft: src/f.ts NAME *\/`) must
 *     equal the constant NAME of src/f.ts, and each model must carry the constants listed in REQUIRED;
 *   - citations: each "Mirrors src/f.ts:" block cites `start-end  \`anchor\``; the anchor must be
 *     found in src/f.ts, at a line within SLACK lines of the cited range;
 *   - regressions for the bugs the models found.
 * Sources are read from the repository (build/test -> ../../src, ../../test/spin).
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Barrier, BrokenBarrierError, Event } from 'weft-threading';
import { runInWorker, watchdog } from './helpers.js';

const srcDir = new URL('../../src/', import.meta.url);
const spinDir = new URL('../../test/spin/', import.meta.url);

/** Constants each model must carry, by model file: `src/file.ts NAME`. */
const REQUIRED: Record<string, string[]> = {
  'event.pml': ['STATE', 'SET', 'SLEEPERS', 'FLAGS', 'ONE_GENERATION'].map((c) => `src/event.ts ${c}`),
  'lockproto.pml': ['STATE', 'UNLOCKED', 'LOCKED', 'CONTENDED'].map((c) => `src/lock.ts ${c}`),
  'futex.pml': ['IDLE', 'ASKED', 'ANSWERED', 'WITHDRAWN'].map((c) => `src/internal/fallback.ts ${c}`),
  'semaphore.pml': ['COUNT', 'SLEEPERS', 'BOUND'].map((c) => `src/semaphore.ts ${c}`),
  'condition.pml': ['UNRELEASED', 'RELEASED', 'GEN', 'LOCK_STATE'].map((c) => `src/condition.ts ${c}`),
  'barrier.pml': [
    'STATE',
    'PARTIES',
    'COUNT_MASK',
    'PHASE_SHIFT',
    'PHASE_MASK',
    'GEN_SHIFT',
    'WATCH',
    'FILLING',
    'ACTION',
    'BROKEN',
    'RESETTING',
  ].map((c) => `src/barrier.ts ${c}`),
  'queue.pml': [
    'LOCK',
    'COUNT',
    'MAXSIZE',
    'UNFINISHED',
    'SHUT',
    'NE_SEQ',
    'NE_WAITERS',
    'NF_SEQ',
    'NF_WAITERS',
    'DONE_SEQ',
    'DONE_WAITERS',
    'NE_WOKEN',
    'NF_WOKEN',
  ].map((c) => `src/internal/queue-store.ts ${c}`),
};

/** How far (in lines) a cited anchor may have moved before the citation counts as stale. */
const SLACK = 12;

/**
 * Evaluates an integer constant expression (numbers, names, ( ), ~ unary - + * << >> >>> & ^ |)
 * with JavaScript's precedence and 32-bit operators; names are looked up with `lookup`.
 */
export function evaluate(text: string, lookup: (name: string) => number): number {
  const tokens = text.match(/0[xX][0-9a-fA-F_]+|\d[\d_]*|[A-Za-z_]\w*|>>>|<<|>>|[()~+\-*&|^]/g) ?? [];
  if (tokens.join('') !== text.replace(/\s+/g, ''))
    throw new Error(`cannot evaluate ${JSON.stringify(text)}`);
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const next = (): string => {
    const t = tokens[at++];
    if (t === undefined) throw new Error(`unexpected end of ${JSON.stringify(text)}`);
    return t;
  };
  const levels: [string[], (a: number, b: number, op: string) => number][] = [
    [['|'], (a, b) => a | b],
    [['^'], (a, b) => a ^ b],
    [['&'], (a, b) => a & b],
    [['<<', '>>', '>>>'], (a, b, op) => (op === '<<' ? a << b : op === '>>' ? a >> b : a >>> b)],
    [['+', '-'], (a, b, op) => (op === '+' ? a + b : a - b)],
    [['*'], (a, b) => a * b],
  ];
  const unary = (): number => {
    const t = next();
    if (t === '~') return ~unary();
    if (t === '-') return -unary();
    if (t === '+') return unary();
    if (t === '(') {
      const v = binary(0);
      if (next() !== ')') throw new Error(`missing ) in ${JSON.stringify(text)}`);
      return v;
    }
    if (/^\d|^0[xX]/.test(t)) return Number(t.replace(/_/g, ''));
    return lookup(t);
  };
  const binary = (level: number): number => {
    const entry = levels[level];
    if (entry === undefined) return unary();
    const [ops, apply] = entry;
    let v = binary(level + 1);
    for (let op = peek(); op !== undefined && ops.includes(op); op = peek()) {
      next();
      v = apply(v, binary(level + 1), op);
    }
    return v;
  };
  const v = binary(0);
  if (at !== tokens.length) throw new Error(`trailing tokens in ${JSON.stringify(text)}`);
  return v;
}

/** The top-level `const NAME = expr;` integer constants of a TypeScript source. */
export function tsConstants(source: string): Map<string, number> {
  const exprs = new Map<string, string>();
  for (const m of source.matchAll(/^(?:export )?const ([A-Z][A-Z0-9_]*) = ([^;\n]+);/gm)) {
    exprs.set(m[1] as string, m[2] as string);
  }
  return resolve(exprs);
}

/** The `#define NAME expr` constants of Promela sources (comments stripped). */
export function pmlDefines(sources: string[]): Map<string, number> {
  const exprs = new Map<string, string>();
  for (const source of sources) {
    for (const m of source.matchAll(/^#define\s+([A-Za-z_]\w*)\s+([^\n]*?)\s*(?:\/\*.*)?$/gm)) {
      exprs.set(m[1] as string, m[2] as string);
    }
  }
  return resolve(exprs);
}

/** Evaluates every expression that is an integer constant expression; leaves the others out. */
function resolve(exprs: Map<string, string>): Map<string, number> {
  const values = new Map<string, number>();
  const visiting = new Set<string>();
  const lookup = (name: string): number => {
    const known = values.get(name);
    if (known !== undefined) return known;
    const expr = exprs.get(name);
    if (expr === undefined || visiting.has(name)) throw new Error(`unknown constant ${name}`);
    visiting.add(name);
    try {
      const v = evaluate(expr, lookup);
      values.set(name, v);
      return v;
    } finally {
      visiting.delete(name);
    }
  };
  for (const name of exprs.keys()) {
    try {
      lookup(name);
    } catch {
      // not a constant (a macro with parameters, a string, ...)
    }
  }
  return values;
}

/** A model constant marked as mirroring a source constant. */
interface Marker {
  model: string;
  define: string;
  file: string;
  name: string;
}

export function markers(model: string, source: string): Marker[] {
  const found: Marker[] = [];
  for (const m of source.matchAll(
    /^#define\s+(\w+)\s+.*?\/\*\s*weft:\s*(src\/[\w/.-]+\.ts)\s+([A-Z][A-Z0-9_]*)\s*\*\//gm,
  )) {
    found.push({ model, define: m[1] as string, file: m[2] as string, name: m[3] as string });
  }
  return found;
}

/** A cited range of source lines with the text that must be there. */
interface Citation {
  model: string;
  file: string;
  start: number;
  end: number;
  anchor: string;
}

export function citations(model: string, source: string): Citation[] {
  const found: Citation[] = [];
  let file: string | undefined;
  for (const line of source.split('\n')) {
    const mirrors = /Mirrors (src\/[\w/.-]+\.ts)/.exec(line);
    if (mirrors) {
      file = mirrors[1];
      continue;
    }
    const cite = /^\s*\*\s+(\d+)-(\d+)\s+`([^`]+)`/.exec(line);
    if (cite && file !== undefined) {
      found.push({ model, file, start: Number(cite[1]), end: Number(cite[2]), anchor: cite[3] as string });
    } else if (/^\s*\*\s*$/.test(line) || /^\s*\*\//.test(line)) {
      file = undefined;
    }
  }
  return found;
}

/** Everything wrong between the models and the sources; empty when they agree. */
export function drift(models: Map<string, string>, sources: Map<string, string>): string[] {
  const problems: string[] = [];
  const defines = pmlDefines([...models.values()]);
  const constants = new Map<string, Map<string, number>>();
  const constantsOf = (file: string): Map<string, number> | undefined => {
    if (!constants.has(file)) {
      const source = sources.get(file);
      if (source === undefined) return undefined;
      constants.set(file, tsConstants(source));
    }
    return constants.get(file);
  };
  for (const [model, source] of models) {
    const marked = markers(model, source);
    for (const required of REQUIRED[model] ?? []) {
      if (!marked.some((m) => `${m.file} ${m.name}` === required)) {
        problems.push(`${model} carries no constant marked /* weft: ${required} */`);
      }
    }
    for (const m of marked) {
      const code = constantsOf(m.file)?.get(m.name);
      const mine = defines.get(m.define);
      if (code === undefined) problems.push(`${model}: ${m.file} has no constant ${m.name} (${m.define})`);
      else if (mine === undefined) problems.push(`${model}: cannot evaluate ${m.define}`);
      else if (mine !== code) {
        problems.push(
          `${model}: ${m.define} = ${mine} but ${m.file} ${m.name} = ${code}: the protocol changed`,
        );
      }
    }
    for (const c of citations(model, source)) {
      const lines = sources.get(c.file)?.split('\n');
      if (lines === undefined) {
        problems.push(`${model} cites ${c.file}, which does not exist`);
        continue;
      }
      const at = lines.flatMap((line, i) => (line.includes(c.anchor) ? [i + 1] : []));
      const near = at.some((n) => n >= c.start - SLACK && n <= c.end + SLACK);
      if (c.end < c.start || c.end > lines.length) {
        problems.push(
          `${model} cites ${c.file}:${c.start}-${c.end}, outside the file (${lines.length} lines)`,
        );
      } else if (at.length === 0) {
        problems.push(`${model} cites ${c.file}:${c.start}-${c.end} \`${c.anchor}\`, no longer in the file`);
      } else if (!near) {
        problems.push(
          `${model} cites ${c.file}:${c.start}-${c.end} \`${c.anchor}\`, now at line ${at.join(', ')}: ` +
            're-read the model against the code and update the citation',
        );
      }
    }
  }
  return problems;
}

function readModels(): Map<string, string> {
  const models = new Map<string, string>();
  for (const name of readdirSync(spinDir)
    .filter((f) => f.endsWith('.pml'))
    .sort()) {
    models.set(name, readFileSync(new URL(name, spinDir), 'utf8'));
  }
  return models;
}

function readSources(models: Map<string, string>): Map<string, string> {
  const files = new Set<string>();
  for (const [model, source] of models) {
    for (const m of markers(model, source)) files.add(m.file);
    for (const c of citations(model, source)) files.add(c.file);
  }
  const sources = new Map<string, string>();
  for (const file of files) {
    try {
      sources.set(file, readFileSync(new URL(file.replace(/^src\//, ''), srcDir), 'utf8'));
    } catch {
      // missing: reported by drift()
    }
  }
  return sources;
}

describe('the SPIN models match the code (drift)', () => {
  const models = readModels();
  const sources = readSources(models);

  test('every model is here, and carries its protocol constants and citations', () => {
    for (const model of Object.keys(REQUIRED)) assert.ok(models.has(model), `test/spin/${model} is missing`);
    for (const model of [
      'event.pml',
      'lock.pml',
      'semaphore.pml',
      'condition.pml',
      'barrier.pml',
      'queue.pml',
    ]) {
      const source = models.get(model) ?? '';
      assert.ok(
        citations(model, source).length +
          citations('lockproto.pml', models.get('lockproto.pml') ?? '').length >
          0,
      );
      assert.match(source, /ltl done/, `${model} states its liveness property`);
    }
    const count = [...models].reduce((n, [model, source]) => n + markers(model, source).length, 0);
    assert.ok(count >= 26, `only ${count} constants are marked`);
  });

  test('constants and cited lines agree with src/', () => {
    const problems = drift(models, sources);
    assert.deepEqual(problems, [], `the models drifted from the code:\n  ${problems.join('\n  ')}`);
  });

  test('the check fails when a constant or a citation drifts', () => {
    const changed = new Map(sources);
    const event = changed.get('src/event.ts') ?? '';
    assert.match(event, /^const SLEEPERS = 2;/m);
    changed.set('src/event.ts', event.replace(/^const SLEEPERS = 2;/m, 'const SLEEPERS = 4;'));
    const barrier = changed.get('src/barrier.ts') ?? '';
    changed.set('src/barrier.ts', barrier.replace(/^const GEN_SHIFT = 18;/m, 'const GEN_SHIFT = 19;'));
    const lock = changed.get('src/lock.ts') ?? '';
    changed.set('src/lock.ts', `${'\n'.repeat(40)}${lock}`);
    const problems = drift(models, changed);
    assert.ok(
      problems.some((p) => /EV_SLEEPERS = 2 but src\/event.ts SLEEPERS = 4/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /GEN_SHIFT = 18 but src\/barrier.ts GEN_SHIFT = 19/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /cites src\/lock.ts:.*now at line/.test(p)),
      problems.join('\n'),
    );
    const stripped = new Map(models);
    stripped.set(
      'event.pml',
      (models.get('event.pml') ?? '').replace(/\/\* weft: src\/event.ts FLAGS \*\//, ''),
    );
    assert.ok(drift(stripped, sources).some((p) => /carries no constant marked .*event.ts FLAGS/.test(p)));
  });

  test('the expression evaluator', () => {
    const names: Record<string, number> = { A: 12, B: 3 };
    const lookup = (n: string): number => names[n] ?? Number.NaN;
    assert.equal(evaluate('3 << A', lookup), 12288);
    assert.equal(evaluate('(B << A) | 1', lookup), 12289);
    assert.equal(evaluate('~(B << A)', lookup), ~12288);
    assert.equal(evaluate('0xfff', lookup), 4095);
    assert.equal(evaluate('0x7fff_ffff', lookup), 0x7fffffff);
    assert.equal(evaluate('1 + 2 * 3', lookup), 7);
    assert.throws(() => evaluate('A ? 1 : 2', lookup));
  });
});

describe('found by the models (test/spin)', () => {
  // barrier.pml, FAULTS: a thread that arrives while the previous pass runs its action sleeps until
  // that pass opens the next; its timeout or abort broke that pass, which all its parties had reached
  // (fixed in fb7b43a). So did a waitAsync whose signal had already fired (fixed in the next commit).
  for (const how of ['timeout', 'abort', 'signal already aborted'] as const) {
    test(`Barrier: a newcomer (${how}) during the previous pass's action does not break that pass`, async () => {
      const b = new Barrier(2);
      const entered = new Event();
      const go = new Event();
      const first = b.waitAsync(10_000);
      const last = runInWorker<number>('property', 'lastArriverWithHeldAction', b, entered, go);
      assert.equal(await watchdog(entered.waitAsync(10_000), 15_000, 'the action to start'), true);

      const controller = new AbortController();
      const reason = new Error('newcomer aborted');
      if (how === 'signal already aborted') controller.abort(reason);
      const newcomer =
        how === 'timeout' ? b.waitAsync(30) : b.waitAsync(undefined, { signal: controller.signal });
      if (how === 'abort') setTimeout(() => controller.abort(reason), 30);
      await assert.rejects(
        watchdog(newcomer, 15_000, 'the newcomer'),
        how === 'timeout' ? BrokenBarrierError : (e: unknown) => e === reason,
      );

      go.set();
      const indexes = await watchdog(Promise.all([first, last.result]), 15_000, 'the pass');
      assert.deepEqual(indexes.sort(), [0, 1]);
      assert.equal(b.broken, false);
      assert.equal(b.nWaiting, 0);
    });
  }
});
