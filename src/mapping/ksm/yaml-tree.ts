// YAML text → a tree that still knows how each scalar was written.
//
// kube-state-metrics decodes its config with go-yaml v3 into Go structs, and that decoder is
// lenient in ways a plain `yaml.parse()` would lose: any scalar decodes into a string field as
// the text it was written with (`version: 1.0` is "1.0", `path: [items, 0]` is "0"), `~` in a
// string field is "", and a bare `key:` leaves a pointer nil. So scalars stay wrapped here, and
// the schema (config.ts) turns them into strings or booleans the way go-yaml would.

import {
  type Alias,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  Scalar,
} from "yaml";

/** One scalar: its resolved value (YAML 1.2 core schema) and the text it was written as. */
export class YamlScalar {
  readonly value: string | number | bigint | boolean | null;
  /** The value as go-yaml hands it to a string field: the source text for plain scalars. */
  readonly text: string;
  /** Written without quotes (only plain scalars can be booleans or null). */
  readonly plain: boolean;

  constructor(value: YamlScalar["value"], text: string, plain: boolean) {
    this.value = value;
    this.text = text;
    this.plain = plain;
  }
}

/** A mapping: a null-prototype object, so any key (even `__proto__`) is just a key. */
export type YamlMapping = { [key: string]: YamlNode };
export type YamlNode = YamlScalar | YamlNode[] | YamlMapping;

export function isYamlMapping(node: unknown): node is YamlMapping {
  return typeof node === "object" && node !== null && !Array.isArray(node) && !(node instanceof YamlScalar);
}

export class YamlSyntaxError extends Error {
  override name = "YamlSyntaxError";
}

/**
 * Parse the first YAML document of `text` (go-yaml's Decoder.Decode reads one document and
 * ignores the rest, and so does kube-state-metrics). Returns undefined for an empty input.
 * Duplicate keys are an error, as in go-yaml; `<<` merge keys are honoured, as in go-yaml.
 */
export function parseYamlTree(text: string): YamlNode | undefined {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    merge: true,
    uniqueKeys: true,
    lineCounter: lines,
    prettyErrors: false,
  });
  if (!Array.isArray(docs)) return undefined; // an empty stream
  const doc = docs[0];
  if (!doc) return undefined;
  const error = doc.errors[0];
  if (error) {
    const at = lines.linePos(error.pos[0]);
    throw new YamlSyntaxError(`line ${at.line}: ${error.message.split("\n")[0]}`);
  }
  if (doc.contents === null) return undefined;
  return convert(doc.contents, (alias) => alias.resolve(doc), 0);
}

const MAX_DEPTH = 64;

function convert(node: Node | unknown, resolve: (a: Alias) => Node | undefined, depth: number): YamlNode {
  if (depth > MAX_DEPTH) throw new YamlSyntaxError("document nested too deeply");
  if (isAlias(node)) {
    const target = resolve(node);
    if (!target) throw new YamlSyntaxError(`unresolved alias *${node.source}`);
    return convert(target, resolve, depth + 1);
  }
  if (isScalar(node)) return scalar(node);
  if (isSeq(node)) return node.items.map((item) => convert(item, resolve, depth + 1));
  if (isMap(node)) {
    const out: YamlMapping = Object.create(null);
    const merged: YamlNode[] = [];
    for (const pair of node.items) {
      const key = pair.key;
      const value =
        pair.value === null ? new YamlScalar(null, "", true) : convert(pair.value, resolve, depth + 1);
      let name: string;
      if (key === null || key === undefined) name = "";
      else if (isScalar(key) && typeof key.value === "symbol") {
        // `<<: *anchor` (or a list of anchors): merged after the explicit keys, which win.
        merged.push(...(Array.isArray(value) ? value : [value]));
        continue;
      } else if (isScalar(key)) name = scalar(key).text;
      else throw new YamlSyntaxError("a mapping key must be a scalar");
      out[name] = value;
    }
    for (const source of merged) {
      if (!isYamlMapping(source)) throw new YamlSyntaxError("a << merge needs a mapping");
      for (const name of Object.keys(source)) if (!(name in out)) out[name] = source[name]!;
    }
    return out;
  }
  // The document API yields only the node kinds above; a bare JS value would be a library change.
  return new YamlScalar(null, "", true);
}

function scalar(node: Scalar): YamlScalar {
  const plain = node.type === Scalar.PLAIN || node.type === undefined;
  const value = node.value as YamlScalar["value"];
  if (value === null || value === undefined) return new YamlScalar(null, "", plain);
  if (typeof value === "string") return new YamlScalar(value, value, plain);
  return new YamlScalar(value, plain && node.source !== undefined ? node.source : String(value), plain);
}
