// Just enough PromQL lexing to find what an expression selects: its vector selectors (metric
// name, label matchers, the functions they sit in) and its range durations. Whether the whole
// expression is valid PromQL is promtool's job (see test/unit/dashboards.test.ts); this only has to
// tell metric names apart from function names, keywords, label names and durations.

export interface Matcher {
  readonly label: string;
  readonly op: "=" | "!=" | "=~" | "!~";
  readonly value: string;
}

export interface Selector {
  /** The metric name written before the braces, if any (`{__name__=...}` is in `matchers`). */
  readonly name: string | undefined;
  readonly matchers: readonly Matcher[];
  /** Functions and aggregations the selector is an argument of, outermost first. */
  readonly within: readonly string[];
}

export interface RangeUse {
  /** The text between the brackets, e.g. `$__rate_interval` or `5m:1m`. */
  readonly range: string;
  /** The innermost function the range is an argument of (`rate`, `max_over_time`...), or "". */
  readonly fn: string;
}

export interface PromqlParts {
  readonly selectors: readonly Selector[];
  readonly ranges: readonly RangeUse[];
}

/** Keywords that take a parenthesized list of label names, not an expression. */
const LABEL_LISTS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
/** Words that are never metric names when not followed by `(`. */
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan", "atan2"]);

/** The vector selectors and range durations of a PromQL expression (Grafana variables allowed in strings and ranges). */
export function promqlParts(expr: string): PromqlParts {
  const selectors: Selector[] = [];
  const ranges: RangeUse[] = [];
  const stack: string[] = []; // one entry per open paren: the function it calls, or "" for grouping
  let i = 0;
  const n = expr.length;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${i} of: ${expr}`);
  };
  const skipSpace = () => {
    while (i < n) {
      if (/\s/.test(expr[i]!)) i++;
      else if (expr[i] === "#") while (i < n && expr[i] !== "\n") i++;
      else break;
    }
  };
  const readString = (): string => {
    const quote = expr[i]!;
    let out = "";
    i++;
    while (i < n && expr[i] !== quote) {
      if (expr[i] === "\\" && quote !== "`") {
        out += expr[i + 1] ?? "";
        i += 2;
      } else out += expr[i++];
    }
    if (i >= n) fail("unterminated string");
    i++;
    return out;
  };
  const readIdent = (): string => {
    const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i));
    if (!m) fail("expected a name");
    i += m![0].length;
    return m![0];
  };
  const readMatchers = (): { name?: string; matchers: Matcher[] } => {
    i++; // {
    const matchers: Matcher[] = [];
    let name: string | undefined;
    for (;;) {
      skipSpace();
      if (expr[i] === "}") {
        i++;
        return { name, matchers };
      }
      const label = expr[i] === '"' || expr[i] === "'" ? readString() : readIdent();
      skipSpace();
      const op = /^(=~|!~|!=|=)/.exec(expr.slice(i))?.[1] as Matcher["op"] | undefined;
      if (!op) {
        name = label; // a quoted metric name alone: {"my.metric", job="x"}
      } else {
        i += op.length;
        skipSpace();
        if (expr[i] !== '"' && expr[i] !== "'" && expr[i] !== "`") fail("expected a label value");
        matchers.push({ label, op, value: readString() });
      }
      skipSpace();
      if (expr[i] === ",") i++;
      else if (expr[i] !== "}") fail("expected , or }");
    }
  };
  const innermost = () => [...stack].reverse().find((f) => f !== "") ?? "";

  while (i < n) {
    skipSpace();
    if (i >= n) break;
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") {
      readString();
    } else if (c === "[") {
      const end = expr.indexOf("]", i);
      if (end < 0) fail("unclosed [");
      ranges.push({ range: expr.slice(i + 1, end).trim(), fn: innermost() });
      i = end + 1;
    } else if (c === "{") {
      const { name, matchers } = readMatchers();
      selectors.push({ name, matchers, within: stack.filter((f) => f !== "") });
    } else if (c === "(") {
      stack.push("");
      i++;
    } else if (c === ")") {
      if (stack.pop() === undefined) fail("unbalanced )");
      i++;
    } else if (/[0-9.]/.test(c)) {
      // A number or a duration (offset 5m): digits, a fraction, an exponent, unit letters.
      const m = /^(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?[a-zA-Z0-9]*)/.exec(expr.slice(i));
      i += m ? m[0].length : 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const word = readIdent();
      skipSpace();
      // `sum by (a) (x)`: the grouping comes between an aggregation and its parenthesis.
      const grouping = /^(by|without)\s*\([^)]*\)\s*/i.exec(expr.slice(i));
      if (grouping && !LABEL_LISTS.has(word.toLowerCase())) i += grouping[0].length;
      const next = expr[i];
      if (LABEL_LISTS.has(word.toLowerCase())) {
        if (next === "(") {
          const end = expr.indexOf(")", i);
          if (end < 0) fail("unclosed label list");
          i = end + 1;
        }
      } else if (KEYWORDS.has(word.toLowerCase())) {
        // a binary operator or a number word; a "(" after it opens a plain group
      } else if (next === "(") {
        stack.push(word);
        i++;
      } else if (next === "{") {
        const { matchers } = readMatchers();
        selectors.push({ name: word, matchers, within: stack.filter((f) => f !== "") });
      } else {
        selectors.push({ name: word, matchers: [], within: stack.filter((f) => f !== "") });
      }
    } else if (c === "$") {
      fail("a Grafana variable outside a string or range");
    } else {
      i++; // operators, commas, @
    }
  }
  if (stack.length > 0) throw new Error(`unbalanced ( in: ${expr}`);
  return { selectors, ranges };
}

/** The metric names an expression reads: written names and `__name__="..."` matchers. */
export function metricNames(expr: string): string[] {
  const out = new Set<string>();
  for (const s of promqlParts(expr).selectors) {
    if (s.name) out.add(s.name);
    for (const m of s.matchers) if (m.label === "__name__" && m.op === "=") out.add(m.value);
  }
  return [...out];
}
