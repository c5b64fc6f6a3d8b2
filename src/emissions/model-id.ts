/** A model id reduced to what the glob rules match, plus the vendor prefix kept for PUE selection. */
export interface NormalisedModelId {
  id: string;
  vendor: string | null;
}

// OpenRouter appends routing variants that do not change the model that runs; they may be stacked.
const OPENROUTER_VARIANT = /(?::(?:free|beta|thinking|nitro|floor|online|extended|exacto))+$/;

// Bedrock cross-region inference profiles. `global.` is not in methodology §5.1 but Bedrock issues it the same way.
const BEDROCK_REGION = /^(?:us|eu|apac|global)\./;

// Bedrock's version tag (`-v1:0`), optionally with a context-window variant (`-v1:0:200k`). The `:` is required so
// that names like `deepseek-v3` keep their version.
const BEDROCK_VERSION = /-v\d+:\d+(?::\d+k)?$/;

// Vertex pins versions after `@` (`claude-sonnet-4@20250514`).
const VERTEX_VERSION = /@[a-z0-9._-]*$/;

/**
 * Normalisation of methodology §5.1. The vendor is split at the last `/` so that a glob's `*` never has to cross
 * one, whatever the nesting (`vendor/model`, ARNs, `publishers/x/models/y`).
 */
export function normaliseModelId(raw: string): NormalisedModelId {
  let id = raw.trim().toLowerCase();
  let vendor: string | null = null;

  const slash = id.lastIndexOf('/');
  if (slash >= 0) {
    vendor = id.slice(0, slash) || null;
    id = id.slice(slash + 1);
  }

  id = id.replace(OPENROUTER_VARIANT, '').replace(BEDROCK_REGION, '');
  if (id.startsWith('anthropic.')) {
    id = id.slice('anthropic.'.length);
    vendor ??= 'anthropic';
  }
  id = id.replace(BEDROCK_VERSION, '').replace(VERTEX_VERSION, '');

  return { id, vendor };
}
