// --metric-labels-allowlist / --metric-annotations-allowlist in kube-state-metrics' syntax:
//   messagequeues=[app,team],certificates.cert-manager.io=[*],*=[app.kubernetes.io/name]
// A resource is named by its plural (as kube-state-metrics does), or plural.group to tell two
// groups' plurals apart, or `*` for every kind. `[*]` allows every key.

/** Resource (plural, plural.group or `*`) → allowed keys (`*` = all). */
export type Allowlist = ReadonlyMap<string, readonly string[]>;

export const EMPTY_ALLOWLIST: Allowlist = new Map();

/**
 * Parse the kube-state-metrics allowlist syntax. Throws an Error whose message starts with
 * `flag` and says where the text is wrong.
 */
export function parseAllowlist(text: string, flag = "allowlist"): Allowlist {
  const out = new Map<string, string[]>();
  const s = text.trim();
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${flag}: ${what} at position ${i} of "${text}" (expected resource=[key,...],...)`);
  };
  const skipSpace = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  while (i < s.length) {
    skipSpace();
    const start = i;
    while (i < s.length && s[i] !== "=" && s[i] !== "," && s[i] !== "[" && s[i] !== "]") i++;
    const resource = s.slice(start, i).trim();
    if (resource === "") fail("missing resource name");
    if (s[i] !== "=") fail(`expected "=" after "${resource}"`);
    i++;
    skipSpace();
    if (s[i] !== "[") fail(`expected "[" after "${resource}="`);
    i++;
    const keys = out.get(resource) ?? [];
    for (;;) {
      const kstart = i;
      while (i < s.length && s[i] !== "," && s[i] !== "]" && s[i] !== "[" && s[i] !== "=") i++;
      if (i >= s.length) fail(`unterminated "[" for "${resource}"`);
      if (s[i] === "[" || s[i] === "=") fail(`unexpected "${s[i]}" in the key list of "${resource}"`);
      const key = s.slice(kstart, i).trim();
      if (key !== "") {
        if (!keys.includes(key)) keys.push(key);
      } else if (s[i] === "," || keys.length > 0) fail(`empty key in the list of "${resource}"`);
      if (s[i] === "]") break;
      i++;
    }
    i++;
    out.set(resource, keys);
    skipSpace();
    if (i < s.length) {
      if (s[i] !== ",") fail(`expected "," after "]"`);
      i++;
      skipSpace();
      if (i >= s.length) fail("trailing comma");
    }
  }
  return out;
}

/**
 * The keys allowed for one kind: the union of the entries for `plural`, `plural.group` and
 * `*`. Returns "all" for `[*]`, undefined when nothing is allowed (no family emitted).
 */
export function allowedKeys(list: Allowlist, plural: string, group: string): "all" | string[] | undefined {
  let keys: string[] | undefined;
  for (const resource of [plural, `${plural}.${group}`, "*"]) {
    const entry = list.get(resource);
    if (entry === undefined) continue;
    keys ??= [];
    for (const k of entry) {
      if (k === "*") return "all";
      if (!keys.includes(k)) keys.push(k);
    }
  }
  return keys !== undefined && keys.length > 0 ? keys : undefined;
}
