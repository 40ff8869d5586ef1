// Label and field selectors checked here, at start and on reload, so a typo is a usage error
// naming the flag instead of a watch the API server refuses over and over after start.
//
// The grammar is the one Kubernetes documents for label selectors ("Labels and Selectors",
// kubernetes.io/docs/concepts/overview/working-with-objects/labels/, and the grammar comment of
// k8s.io/apimachinery/pkg/labels.Parse), written out here:
//
//   selector     ::= "" | requirement ( "," requirement )*
//   requirement  ::= "!" KEY                                  (does not exist)
//                  | KEY                                      (exists)
//                  | KEY ( "=" | "==" | "!=" ) VALUE?         (equality; VALUE may be empty)
//                  | KEY ( "in" | "notin" ) "(" VALUE? ( "," VALUE? )* ")"
//                  | KEY ( ">" | "<" ) INTEGER                (numeric comparison)
//
// Whitespace separates tokens and is otherwise ignored. A KEY or VALUE is a run of characters
// other than whitespace and `! = ( ) , < >`; `in` and `notin` are keywords where a key is
// expected. KEY is a qualified name: an optional DNS-1123 subdomain prefix (≤253) and "/",
// then a name of ≤63 characters, alphanumeric at both ends with `-`, `_`, `.` inside. VALUE is
// empty or ≤63 characters of the same form.
//
// Field selectors (k8s.io/apimachinery/pkg/fields, "Field Selectors" in the same docs) are
// simpler: comma-separated terms `KEY=VALUE`, `KEY==VALUE` or `KEY!=VALUE`; a backslash escapes
// `\`, `,` and `=` in a value; set operators do not exist. Which keys a kind supports is the API
// server's to say (metadata.name, metadata.namespace and a CRD's selectableFields), so a key is
// only checked to be non-empty and free of whitespace.

export class SelectorError extends Error {
  override name = "SelectorError";
}

export type LabelOperator = "exists" | "!" | "=" | "==" | "!=" | "in" | "notin" | ">" | "<";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

export type FieldOperator = "=" | "==" | "!=";

export interface FieldRequirement {
  readonly key: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INTEGER = /^[+-]?[0-9]+$/;

/** Why `key` is not a valid label key, or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix === "") return "the prefix before '/' must not be empty";
    if (prefix.length > 253) return "the prefix must be at most 253 characters";
    if (!DNS_SUBDOMAIN.test(prefix))
      return "the prefix must be a DNS subdomain (lowercase alphanumerics, '-' and '.')";
  }
  if (name === "") return "the name must not be empty";
  if (name.length > 63) return "the name must be at most 63 characters";
  if (!NAME.test(name))
    return "the name must be alphanumeric at both ends, with only '-', '_' and '.' inside";
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
export function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63) return "must be at most 63 characters";
  if (!NAME.test(value)) return "must be alphanumeric at both ends, with only '-', '_' and '.' inside";
  return undefined;
}

type TokenKind = "ident" | "!" | "=" | "==" | "!=" | "(" | ")" | "," | ">" | "<" | "end";

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly at: number;
}

const SPECIAL = new Set(["!", "=", "(", ")", ",", "<", ">"]);
const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r";

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = text.slice(i, i + 2);
      if (two === "!=" || two === "==") {
        tokens.push({ kind: two, text: two, at: i });
        i += 2;
      } else {
        tokens.push({ kind: c as TokenKind, text: c, at: i });
        i++;
      }
      continue;
    }
    const start = i;
    while (i < text.length && !isSpace(text[i]!) && !SPECIAL.has(text[i]!)) i++;
    tokens.push({ kind: "ident", text: text.slice(start, i), at: start });
  }
  tokens.push({ kind: "end", text: "end of selector", at: text.length });
  return tokens;
}

/** Parse a label selector; throws a SelectorError saying what is wrong and where. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const fail = (token: Token, expected: string): never => {
    const found = token.kind === "end" ? "the end" : `"${token.text}"`;
    throw new SelectorError(`expected ${expected} at position ${token.at}, found ${found}`);
  };
  const key = (): string => {
    const t = next();
    if (t.kind !== "ident" || t.text === "in" || t.text === "notin") fail(t, "a label key");
    const problem = labelKeyProblem(t.text);
    if (problem) throw new SelectorError(`invalid label key "${t.text}": ${problem}`);
    return t.text;
  };
  const value = (v: string): string => {
    const problem = labelValueProblem(v);
    if (problem) throw new SelectorError(`invalid label value "${v}": ${problem}`);
    return v;
  };

  const requirements: LabelRequirement[] = [];
  if (peek().kind === "end") return requirements;
  for (;;) {
    if (peek().kind === "!") {
      next();
      requirements.push({ key: key(), operator: "!", values: [] });
    } else {
      const k = key();
      const op = peek();
      if (op.kind === "end" || op.kind === ",") {
        requirements.push({ key: k, operator: "exists", values: [] });
      } else if (op.kind === "=" || op.kind === "==" || op.kind === "!=") {
        next();
        const t = peek();
        let v = "";
        if (t.kind === "ident") v = next().text;
        else if (t.kind !== "end" && t.kind !== ",") fail(t, `a value after "${op.text}"`);
        requirements.push({ key: k, operator: op.kind, values: [value(v)] });
      } else if (op.kind === ">" || op.kind === "<") {
        next();
        const t = next();
        if (t.kind !== "ident" || !INTEGER.test(t.text)) fail(t, `an integer after "${op.text}"`);
        requirements.push({ key: k, operator: op.kind, values: [t.text] });
      } else if (op.kind === "ident" && (op.text === "in" || op.text === "notin")) {
        next();
        const open = next();
        if (open.kind !== "(") fail(open, `"(" after "${op.text}"`);
        const values = new Set<string>();
        for (;;) {
          const t = peek();
          values.add(t.kind === "ident" ? value(next().text) : "");
          const sep = next();
          if (sep.kind === ")") break;
          if (sep.kind !== ",") fail(sep, `"," or ")" in the value list of "${k}"`);
        }
        requirements.push({ key: k, operator: op.text, values: [...values] });
      } else {
        fail(op, `an operator (=, ==, !=, in, notin, >, <), "," or the end after "${k}"`);
      }
    }
    const sep = next();
    if (sep.kind === "end") return requirements;
    if (sep.kind !== ",") fail(sep, '"," or the end');
    const t = peek();
    if (t.kind !== "ident" && t.kind !== "!") fail(t, 'a requirement after ","');
  }
}

/** Split on the commas no backslash escapes. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === ",") {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

function unescapeValue(value: string, term: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "\\") {
      const e = value[i + 1];
      if (e !== "\\" && e !== "," && e !== "=")
        throw new SelectorError(
          `invalid escape "\\${e ?? ""}" in "${term}" (only \\\\, \\, and \\= are allowed)`,
        );
      out += e;
      i++;
    } else if (c === "=" || c === ",") {
      throw new SelectorError(`"${term}": a "${c}" in a value must be escaped as "\\${c}"`);
    } else out += c;
  }
  return out;
}

/** Parse a field selector; throws a SelectorError naming the term that is wrong. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    if (term === "") continue;
    let split: FieldRequirement | undefined;
    for (let i = 0; i < term.length && !split; i++) {
      if (term[i] === "\\") {
        i++;
        continue;
      }
      for (const operator of ["!=", "==", "="] as const) {
        if (term.startsWith(operator, i)) {
          split = { key: term.slice(0, i), operator, value: term.slice(i + operator.length) };
          break;
        }
      }
    }
    if (!split) throw new SelectorError(`"${term}" is not a term KEY=VALUE, KEY==VALUE or KEY!=VALUE`);
    if (split.key === "") throw new SelectorError(`"${term}": the field name is empty`);
    if (/\s/.test(split.key))
      throw new SelectorError(`"${term}": the field name "${split.key}" contains whitespace`);
    requirements.push({ ...split, value: unescapeValue(split.value, term) });
  }
  return requirements;
}
