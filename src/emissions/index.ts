import { FactorSetDocument } from '../../contracts/emissions';
import { createEmissionsEngine, type EmissionsEngine } from './engine';
import v1Document from './factor-sets/v1.0.json';

export { createEmissionsEngine, emissionFigures, MAX_FRACTION_DIGITS } from './engine';
export type { ComputeInput, EmissionsEngine, ModelClassification } from './engine';
export { normaliseModelId } from './model-id';
export type { NormalisedModelId } from './model-id';
export { compileGlob } from './glob';
export type { Glob } from './glob';
export { toDecimalString } from './decimal';

let engine: EmissionsEngine | undefined;

/**
 * The bundled CarbonFactors v1.0 document, validated; also the seed for `carbon_factor_sets`. Parsed per call so
 * each caller gets its own copy and nobody can mutate the published set in place.
 */
export function loadFactorSetV1(): FactorSetDocument {
  return FactorSetDocument.parse(v1Document);
}

/** A shared engine over v1.0; building one compiles every glob, so callers should not do it per event. */
export function defaultEngine(): EmissionsEngine {
  engine ??= createEmissionsEngine(loadFactorSetV1());
  return engine;
}
