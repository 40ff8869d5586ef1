// CEL for health rules, by @marcbachmann/cel-js (chosen over @bufbuild/cel by the measured
// comparison in bench/cel-compare.ts; figures in docs/health.md). One environment, one variable:
// `self`, the object as decoded from JSON (dyn), as in Kubernetes' own CEL. Optional syntax
// (`self.?status.?phase.orValue("")`) is on. JSON numbers are CEL doubles; comparisons with int
// literals work (`self.metadata.generation > 1`); a string generation needs `int(...)`.

import { Environment } from "@marcbachmann/cel-js";

// Made on the first rule compiled: most clusters have no kind with health rules, and the
// bundle loads cel-js only when this first reads from it (scripts/build.ts, lazy modules).
let env: Environment | undefined;
function environment(): Environment {
  env ??= new Environment({
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
  }).registerVariable("self", "dyn");
  return env;
}

export type Evaluation = { value: boolean; error?: undefined } | { value?: undefined; error: string };

export interface CompiledExpression {
  /** Never throws: an evaluation error or a non-boolean result comes back as `error`. */
  evaluate(self: unknown): Evaluation;
}

const MAX_EXPRESSION = 2000;

/** Parses and type-checks once; throws an Error saying why the expression is refused. */
export function compileExpression(source: string): CompiledExpression {
  if (source.length > MAX_EXPRESSION) throw new Error(`longer than ${MAX_EXPRESSION} characters`);
  let checked: { valid: boolean; type?: unknown; error?: { message?: string } };
  try {
    checked = environment().check(source);
  } catch (err) {
    throw new Error(`does not compile: ${firstLine((err as Error).message)}`);
  }
  if (!checked.valid) throw new Error(`does not compile: ${firstLine(checked.error?.message ?? "invalid")}`);
  const type = String(checked.type);
  if (type !== "bool" && type !== "dyn") throw new Error(`must be a bool expression, is ${type}`);
  const fn = environment().parse(source);
  return {
    evaluate(self) {
      let v: unknown;
      try {
        v = fn({ self });
      } catch (err) {
        return { error: firstLine((err as Error).message) };
      }
      if (typeof v !== "boolean") return { error: `result is not a bool (${typeof v})` };
      return { value: v };
    },
  };
}

function firstLine(s: string): string {
  const line = s.split("\n", 1)[0] ?? s;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
