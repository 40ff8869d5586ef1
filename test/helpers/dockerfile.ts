// A small Dockerfile reader for tests (no Docker engine, no hadolint here): instructions with
// continuation lines joined, stages, ARG defaults substituted, COPY sources, and .dockerignore
// matching as the Docker builder applies it (last matching pattern wins, `!` re-includes).

import { readFileSync } from "node:fs";

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  readonly keyword: string;
  /** The arguments, continuation lines joined, ARG defaults substituted. */
  readonly args: string;
  /** 1-based line of the instruction's first line. */
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: Map<string, string>;
  readonly stages: Stage[];
}

function substitute(text: string, args: Map<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a, b) => {
    const value = args.get((a ?? b) as string);
    return value === undefined ? whole : value;
  });
}

function splitInstructions(text: string): Array<{ keyword: string; args: string; line: number }> {
  const out: Array<{ keyword: string; args: string; line: number }> = [];
  const lines = text.split("\n");
  let current: { keyword: string; args: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comments (and the `# syntax=` parser directive) and blank lines, also inside a continuation.
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const continued = trimmed.endsWith("\\");
    const body = continued ? trimmed.slice(0, -1).trimEnd() : trimmed;
    if (current) {
      current.args = `${current.args} ${body}`.trim();
    } else {
      const match = /^(\S+)\s*(.*)$/.exec(body);
      if (!match) throw new Error(`line ${index + 1}: cannot read "${raw}"`);
      current = { keyword: match[1]!.toUpperCase(), args: match[2] ?? "", line: index + 1 };
    }
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) throw new Error(`line ${current.line}: the last instruction ends with a continuation`);
  return out;
}

/** `ARG NAME=default` / `ARG NAME="default"` → [name, default]. */
function parseArg(args: string): [string, string | undefined] {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(args.trim());
  if (!match) throw new Error(`bad ARG "${args}"`);
  const value = match[2]?.replace(/^"(.*)"$/, "$1");
  return [match[1]!, value];
}

export function readDockerfile(path: string): Dockerfile {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  let stageArgs = new Map<string, string>();
  for (const raw of splitInstructions(readFileSync(path, "utf8"))) {
    const stage = stages.at(-1);
    if (raw.keyword === "FROM") {
      // FROM [--platform=…] image [AS name]; only global ARGs apply to FROM.
      const words = substitute(raw.args, globalArgs)
        .split(/\s+/)
        .filter((w) => !w.startsWith("--"));
      const asIndex = words.findIndex((w) => w.toUpperCase() === "AS");
      stages.push({
        image: words[0] ?? "",
        name: asIndex >= 0 ? words[asIndex + 1] : undefined,
        instructions: [{ ...raw, args: words.join(" ") }],
      });
      stageArgs = new Map();
      continue;
    }
    if (!stage) {
      if (raw.keyword !== "ARG") throw new Error(`line ${raw.line}: ${raw.keyword} before the first FROM`);
      const [name, value] = parseArg(raw.args);
      globalArgs.set(name, value ?? "");
      continue;
    }
    if (raw.keyword === "ARG") {
      // Inside a stage, `ARG NAME` re-imports a global ARG's default.
      const [name, value] = parseArg(raw.args);
      stageArgs.set(name, value ?? globalArgs.get(name) ?? "");
    }
    stage.instructions.push({ ...raw, args: substitute(raw.args, stageArgs) });
  }
  return { globalArgs, stages };
}

export interface Copy {
  readonly from: string | undefined;
  readonly sources: string[];
  readonly destination: string;
  readonly flags: Map<string, string>;
}

/** COPY/ADD arguments, shell form or JSON form. */
export function parseCopy(args: string): Copy {
  const flags = new Map<string, string>();
  let rest = args.trim();
  for (;;) {
    const flag = /^--([a-z-]+)=(\S+)\s+/.exec(rest);
    if (!flag) break;
    flags.set(flag[1]!, flag[2]!);
    rest = rest.slice(flag[0].length);
  }
  const words: string[] = rest.startsWith("[") ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  if (words.length < 2) throw new Error(`COPY needs a source and a destination: "${args}"`);
  return { from: flags.get("from"), sources: words.slice(0, -1), destination: words.at(-1)!, flags };
}

/**
 * Go's filepath.Match as the builder uses it (plus `**`): `*` and `?` stop at `/` but, unlike
 * shell globs, match a leading dot; `[…]` classes as written.
 */
function globRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      i++;
      if (glob[i + 1] === "/") {
        out += "(?:.*/)?"; // `**/` : any directories, or none
        i++;
      } else out += ".*";
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) throw new Error(`unclosed [ in .dockerignore pattern "${glob}"`);
      out += `[${glob.slice(i + 1, end)}]`; // Go negates with ^, as RegExp does
      i = end;
    } else
      out += (c === "\\" && i + 1 < glob.length ? glob[++i]! : c).replace(/[.*?+^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** Whether the builder leaves `path` (relative to the context root) out of the context. */
export function dockerIgnored(path: string, patterns: readonly string[]): boolean {
  const clean = path.replace(/^\.\//, "").replace(/\/+$/, "");
  // A path is excluded when it, or a directory containing it, matches; the last pattern decides.
  const candidates = clean.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const line of patterns) {
    const pattern = line.trim();
    if (pattern === "" || pattern.startsWith("#")) continue;
    const negated = pattern.startsWith("!");
    const glob = (negated ? pattern.slice(1) : pattern).replace(/^\/+/, "").replace(/\/+$/, "");
    const re = globRegExp(glob);
    if (candidates.some((c) => re.test(c))) ignored = !negated;
  }
  return ignored;
}

export function readDockerignore(path: string): string[] {
  return readFileSync(path, "utf8").split("\n");
}
