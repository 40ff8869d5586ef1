// Serve mapping results the way the exporter does: through a MetricStore (which merges the
// families of one name and keeps the first HELP/TYPE) and the scrape renderer, so unit tests
// of the mappers read exactly what /metrics would write for those objects.

import { renderScrape } from "../../src/http/scrape.ts";
import type { ExpositionFormat } from "../../src/mapping/exposition.ts";
import type { MappingResult } from "../../src/mapping/types.ts";
import { MetricStore } from "../../src/store/store.ts";

/** The exposition body for these results, each stored as its own object of one kind. */
export function serve(results: readonly MappingResult[], format: ExpositionFormat = "text"): string {
  const store = new MetricStore();
  const kind = store.kind("test.kind");
  results.forEach((r, i) => {
    kind.upsert(`object-${i}`, r.families, undefined);
  });
  return [...renderScrape(store.snapshot(), format)].join("");
}
