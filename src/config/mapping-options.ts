// The auto mapper's options from the validated settings: one place, used by the exporter
// (main.ts) and by `cr-exporter explain`, so both map objects the same way.

import { type AutoOptions, parseAllowlist } from "../mapping/auto/index.ts";
import { compileHealthRules, HealthRuleError } from "../mapping/health/index.ts";
import { type Options, OptionsError } from "./options.ts";

/** Throws OptionsError for a health rule that does not compile (a usage error, exit 2). */
export function autoMapperOptions(options: Options): Omit<AutoOptions, "maxLabelValueLength" | "maxDepth"> {
  let health: AutoOptions["health"];
  try {
    health = compileHealthRules(options.healthRules);
  } catch (err) {
    if (err instanceof HealthRuleError) throw new OptionsError(`healthRules: ${err.message}`);
    throw err;
  }
  return {
    prefix: options.metricPrefix,
    specFields: options.specFields,
    labelsAllowlist: parseAllowlist(options.metricLabelsAllowlist, "--metric-labels-allowlist"),
    annotationsAllowlist: parseAllowlist(
      options.metricAnnotationsAllowlist,
      "--metric-annotations-allowlist",
    ),
    listItemsMax: options.listItemsMax,
    seriesLimitPerObject: options.seriesLimitPerObject,
    health,
  };
}
