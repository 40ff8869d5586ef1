// The one writer of sample lines: a family's lines for one object, with its series identity
// (the rendered label list) checked so no object ever writes the same series twice (a
// duplicate fails the whole scrape in Prometheus). Both mappers render through it.

import { formatValue } from "./exposition.ts";

export class SampleLines {
  readonly name: string;
  /** `name{` + the shared label prefix: every labelled line of the family starts with it. */
  private readonly head: string;
  private readonly prefix: string;
  text = "";
  series = 0;
  /** Label lists written so far: the first alone, a Set from the second on (most families have one). */
  private first: string | undefined;
  private keys: Set<string> | undefined;

  /** `prefix`: rendered labels every sample starts with (e.g. the object's), or "". */
  constructor(name: string, prefix = "") {
    this.name = name;
    this.prefix = prefix;
    this.head = prefix === "" ? `${name}{` : `${name}{${prefix}`;
  }

  /** Whether a sample with these rendered labels (after the prefix) was already written. */
  has(labels: string): boolean {
    return this.first === labels || (this.keys?.has(labels) ?? false);
  }

  /** Append one sample; false (nothing written) when its labels repeat an earlier sample's. */
  add(labels: string, value: number): boolean {
    if (this.series === 0) this.first = labels;
    else {
      if (this.has(labels)) return false;
      this.keys ??= new Set([this.first!]);
      this.keys.add(labels);
    }
    const v = formatValue(value);
    if (labels === "") this.text += this.prefix === "" ? `${this.name} ${v}\n` : `${this.head}} ${v}\n`;
    else this.text += this.prefix === "" ? `${this.head}${labels}} ${v}\n` : `${this.head},${labels}} ${v}\n`;
    this.series++;
    return true;
  }
}
