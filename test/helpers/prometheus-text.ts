/**
 * A strict reader of the Prometheus text exposition format (0.0.4): every
 * line must be a HELP or TYPE comment or a well-formed sample of the family
 * its TYPE announced, families may not repeat, histogram samples carry their
 * suffixes and `le`. Throws on the first line that breaks a rule. (The npm
 * parsers tried accept garbage lines as untyped samples and drop histogram
 * labels, so they cannot tell a broken exposition from a good one.)
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  /** The value of the one sample with this name and exactly these labels (0 when absent: counters start there). */
  value(name: string, labels?: Record<string, string>): number;
  /** Samples of this name whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL_PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`);
const SUFFIXES: Record<string, string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helped = new Set<string>();
  let family: string | undefined;
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('the exposition must end with a newline');
  lines.forEach((line, index) => {
    const fail = (why: string) => {
      throw new Error(`line ${index + 1} ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') return;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment;
      if (!new RegExp(`^${NAME}$`).test(name)) fail('names an invalid metric');
      if (kind === 'HELP') {
        if (helped.has(name)) fail('repeats a HELP');
        helped.add(name);
      } else {
        if (types.has(name)) fail('repeats a family');
        if (!(rest in SUFFIXES)) fail('has an unknown type');
        types.set(name, rest);
        family = name;
      }
      return;
    }
    if (line.startsWith('#')) return;
    const match = SAMPLE.exec(line);
    if (!match) fail('is not a sample');
    const [, name, labelText, valueText] = match!;
    if (!family || !SUFFIXES[types.get(family)!].some((suffix) => name === family + suffix)) fail(`is not a sample of the family ${family}`);
    const labels: Record<string, string> = {};
    let restLabels = labelText ?? '';
    while (restLabels) {
      const pair = LABEL_PAIR.exec(restLabels);
      if (!pair) fail('has malformed labels');
      if (pair![1] in labels) fail('repeats a label');
      labels[pair![1]] = pair![2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      restLabels = restLabels.slice(pair![0].length);
    }
    // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
    const special = /^([+-]?)(inf|infinity|nan)$/i.exec(valueText);
    const value = special ? (special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity) : Number(valueText);
    if (!special && (valueText.trim() === '' || Number.isNaN(value))) fail('has a value that is not a number');
    if (name.endsWith('_bucket') && types.get(family!) === 'histogram' && !('le' in labels)) fail('is a bucket without le');
    samples.push({ name, labels, value });
  });
  const matches = (sample: Sample, name: string, labels: Record<string, string>) =>
    sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
  return {
    samples,
    types,
    find: (name, labels = {}) => samples.filter((sample) => matches(sample, name, labels)),
    value(name, labels = {}) {
      const found = samples.filter((sample) => matches(sample, name, labels) && Object.keys(sample.labels).length === Object.keys(labels).length);
      if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
      return found[0]?.value ?? 0;
    },
  };
}
