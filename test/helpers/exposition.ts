// A strict parser of the Prometheus text format 0.0.4 (and the OpenMetrics subset we write),
// for tests: it rejects anything Prometheus would reject (bad names, bad escapes, unknown
// TYPE, a family split in two, duplicate series) so tests can assert validity, not just parse.

export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface ParsedExposition {
  readonly samples: Sample[];
  readonly types: Map<string, string>;
  readonly helps: Map<string, string>;
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set([
  "counter",
  "gauge",
  "histogram",
  "summary",
  "untyped",
  "info",
  "stateset",
  "unknown",
  "gaugehistogram",
]);

/** Values as Go's strconv.ParseFloat (Prometheus' text parser) reads them: NaN/Inf in any case. */
function parseValue(text: string, line: number): number {
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "+inf" || lower === "inf" || lower === "+infinity" || lower === "infinity")
    return Number.POSITIVE_INFINITY;
  if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`line ${line}: bad value "${text}"`);
  return Number(text);
}

/** The family a sample belongs to (counter samples end in _total, info in _info, etc.). */
function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  for (const suffix of ["_total", "_info", "_bucket", "_count", "_sum", "_created"]) {
    if (name.endsWith(suffix) && types.has(name.slice(0, -suffix.length)))
      return name.slice(0, -suffix.length);
  }
  return name;
}

export function parseExposition(body: string, format: "text" | "openmetrics" = "text"): ParsedExposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  const closedFamilies = new Set<string>();
  let currentFamily = "";
  const lines = body.split("\n");
  if (lines.pop() !== "") throw new Error("body does not end with a newline");
  let eof = false;
  lines.forEach((line, i) => {
    const n = i + 1;
    if (eof) throw new Error(`line ${n}: content after # EOF`);
    if (line === "# EOF") {
      if (format !== "openmetrics") throw new Error(`line ${n}: # EOF in text format`);
      eof = true;
      return;
    }
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) {
        if (format === "openmetrics") throw new Error(`line ${n}: bad comment`);
        return;
      }
      const [, kind, name = "", rest = ""] = m;
      if (!METRIC.test(name)) throw new Error(`line ${n}: bad metric name ${name}`);
      if (name !== currentFamily) {
        if (closedFamilies.has(name) || (types.has(name) && kind === "TYPE"))
          throw new Error(`line ${n}: family ${name} is not contiguous`);
        if (currentFamily) closedFamilies.add(currentFamily);
        currentFamily = name;
      }
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`line ${n}: bad type ${rest}`);
        if (format === "text" && !["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) {
          throw new Error(`line ${n}: type ${rest} is not valid in text format`);
        }
        types.set(name, rest);
      } else {
        if (helps.has(name)) throw new Error(`line ${n}: second HELP for ${name}`);
        helps.set(name, rest);
      }
      return;
    }
    if (line === "") {
      // The text format ignores empty lines (prom-client writes them); OpenMetrics forbids them.
      if (format === "openmetrics") throw new Error(`line ${n}: empty line`);
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new Error(`line ${n}: no metric name: ${line.slice(0, 80)}`);
    const name = nameMatch[0];
    let pos = name.length;
    // No prototype: a label named "constructor" or "toString" is just a label.
    const labels: Record<string, string> = Object.create(null);
    if (line[pos] === "{") {
      pos++;
      while (line[pos] !== "}") {
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(pos));
        if (!lm) throw new Error(`line ${n}: bad label at col ${pos}: ${line.slice(pos, pos + 40)}`);
        const lname = lm[1]!;
        if (!LABEL.test(lname)) throw new Error(`line ${n}: bad label name ${lname}`);
        if (Object.hasOwn(labels, lname)) throw new Error(`line ${n}: duplicate label ${lname}`);
        pos += lm[0].length;
        let value = "";
        for (;;) {
          const c = line[pos];
          if (c === undefined) throw new Error(`line ${n}: unterminated label value`);
          if (c === '"') break;
          if (c === "\\") {
            const e = line[pos + 1];
            if (e === "\\") value += "\\";
            else if (e === '"') value += '"';
            else if (e === "n") value += "\n";
            else throw new Error(`line ${n}: bad escape \\${e}`);
            pos += 2;
            continue;
          }
          value += c;
          pos++;
        }
        pos++;
        labels[lname] = value;
        if (line[pos] === ",") pos++;
        else if (line[pos] !== "}") throw new Error(`line ${n}: expected , or } at col ${pos}`);
      }
      pos++;
    }
    if (line[pos] !== " ") throw new Error(`line ${n}: expected a space before the value`);
    const [valueText = "", timestamp, extra] = line.slice(pos + 1).split(" ");
    if (extra !== undefined || (timestamp !== undefined && !/^-?\d+(\.\d+)?$/.test(timestamp))) {
      throw new Error(`line ${n}: trailing garbage`);
    }
    const value = parseValue(valueText, n);
    const family = familyOf(name, types);
    if (family !== currentFamily && types.has(family))
      throw new Error(`line ${n}: sample of ${family} outside its family`);
    const key = `${name}{${Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(",")}}`;
    if (seen.has(key)) throw new Error(`line ${n}: duplicate series ${key}`);
    seen.add(key);
    samples.push({ name, labels: { ...labels }, value });
  });
  if (format === "openmetrics" && !eof) throw new Error("OpenMetrics body without # EOF");
  return { samples, types, helps };
}

/** Samples of one metric whose labels include all of `match`. */
export function find(parsed: ParsedExposition, name: string, match: Record<string, string> = {}): Sample[] {
  return parsed.samples.filter(
    (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
  );
}

/** The single value of a series, failing when there is not exactly one match. */
export function sampleValue(
  parsed: ParsedExposition,
  name: string,
  match: Record<string, string> = {},
): number {
  const found = find(parsed, name, match);
  if (found.length !== 1) {
    throw new Error(`expected one ${name}${JSON.stringify(match)}, found ${found.length}`);
  }
  return found[0]!.value;
}
