/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it
 * throws, naming the line, on anything a Prometheus server would refuse or a family that is
 * inconsistent — a sample before its TYPE, a sample of an undeclared family, a bad metric
 * or label name, a bad escape, a value that is not a float, a duplicate series, a histogram
 * whose buckets are not cumulative or do not end at +Inf = _count.
 */
export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PromFamily {
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string | undefined;
  readonly samples: PromSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<FamilyType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const series = new Set<string>();
  const fail = (lineNo: number, line: string, why: string): never => {
    throw new Error(`metrics line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
  };
  const familyOf = (sampleName: string): PromFamily | undefined => {
    const exact = families.get(sampleName);
    if (exact) return exact;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (!sampleName.endsWith(suffix)) continue;
      const f = families.get(sampleName.slice(0, -suffix.length));
      if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
    }
    return undefined;
  };
  if (text !== '' && !text.endsWith('\n')) throw new Error('metrics text must end with a newline');
  text.split('\n').forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!METRIC_NAME.test(name)) fail(lineNo, line, `bad metric name ${name}`);
      const existing = families.get(name);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest as FamilyType)) fail(lineNo, line, `unknown type ${rest}`);
        if (existing && existing.samples.length > 0) fail(lineNo, line, 'TYPE after samples of the family');
        if (existing && existing.type !== 'untyped') fail(lineNo, line, 'second TYPE for the family');
        families.set(name, { name, type: rest as FamilyType, help: existing?.help, samples: existing?.samples ?? [] });
      } else {
        if (existing?.help !== undefined) fail(lineNo, line, 'second HELP for the family');
        families.set(name, { name, type: existing?.type ?? 'untyped', help: rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'), samples: existing?.samples ?? [] });
      }
      return;
    }
    const { name, labels, rest } = readSeries(line, (why) => fail(lineNo, line, why));
    const parts = rest.trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') fail(lineNo, line, 'expected a value and an optional timestamp');
    const value = parseFloatStrict(parts[0]!);
    if (value === undefined) fail(lineNo, line, `value ${parts[0]} is not a float`);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) fail(lineNo, line, `timestamp ${parts[1]} is not an integer`);
    const family = familyOf(name);
    if (!family) return fail(lineNo, line, `sample of ${name} without a TYPE declaring its family`);
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`;
    if (series.has(key)) fail(lineNo, line, 'duplicate series');
    series.add(key);
    if (family.type === 'counter' && value! < 0) fail(lineNo, line, 'negative counter');
    family.samples.push({ name, labels, value: value! });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function readSeries(line: string, fail: (why: string) => never): { name: string; labels: Record<string, string>; rest: string } {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) fail('no metric name');
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const labelMatch = /^[^=]*/.exec(line.slice(i))!;
      const label = labelMatch[0].trim();
      if (!LABEL_NAME.test(label)) fail(`bad label name "${label}"`);
      if (Object.hasOwn(labels, label)) fail(`label ${label} twice`);
      i += labelMatch[0].length;
      if (line[i] !== '=' || line[i + 1] !== '"') fail(`label ${label} without ="value"`);
      i += 2;
      let value = '';
      while (line[i] !== '"') {
        if (i >= line.length) fail('unterminated label value');
        if (line[i] === '\\') {
          const next = line[i + 1];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else fail(`bad escape \\${next ?? ''}`);
          i += 2;
        } else {
          value += line[i];
          i++;
        }
      }
      i++;
      labels[label] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') fail('expected , or } after a label');
    }
    i++;
  }
  if (line[i] !== ' ') fail('expected a space before the value');
  return { name, labels, rest: line.slice(i) };
}

function parseFloatStrict(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : undefined;
}

function checkHistogram(family: PromFamily): void {
  const groups = new Map<string, { le: number; value: number }[]>();
  const counts = new Map<string, number>();
  const keyOf = (labels: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());
  for (const s of family.samples) {
    if (s.name.endsWith('_bucket')) {
      if (s.labels.le === undefined) throw new Error(`${family.name}: a bucket without le`);
      const le = parseFloatStrict(s.labels.le);
      if (le === undefined) throw new Error(`${family.name}: le="${s.labels.le}" is not a float`);
      const group = groups.get(keyOf(s.labels)) ?? [];
      group.push({ le, value: s.value });
      groups.set(keyOf(s.labels), group);
    } else if (s.name.endsWith('_count')) counts.set(keyOf(s.labels), s.value);
  }
  for (const [key, buckets] of groups) {
    buckets.sort((a, b) => a.le - b.le);
    for (let i = 1; i < buckets.length; i++) if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family.name}${key}: buckets are not cumulative`);
    const last = buckets[buckets.length - 1]!;
    if (last.le !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    if (counts.get(key) !== last.value) throw new Error(`${family.name}${key}: +Inf bucket ${last.value} != _count ${counts.get(key)}`);
  }
}

/** The value of the one sample of `family` whose labels include `labels` (throws when there is not exactly one). */
export function sampleValue(families: Map<string, PromFamily>, family: string, labels: Record<string, string> = {}, sampleName = family): number {
  const found = (families.get(family)?.samples ?? []).filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${sampleName}${JSON.stringify(labels)}: ${found.length} samples, expected 1`);
  return found[0]!.value;
}

/** The sum over every sample of `family` named `sampleName` whose labels include `labels`. */
export function sampleSum(families: Map<string, PromFamily>, family: string, labels: Record<string, string> = {}, sampleName = family): number {
  return (families.get(family)?.samples ?? []).filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((t, s) => t + s.value, 0);
}
