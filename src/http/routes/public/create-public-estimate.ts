import { EstimateRequest, EstimateResponse } from '../../../../contracts/estimate';
import { estimateEmissions } from '../../../services/telemetry/estimate';
import { defineRoute } from '../../route';

/**
 * The same estimate as POST /api/v1/estimate without an account: it reads only the published factor set, never
 * an organization's data, so agents (the MCP server's estimate_emissions) and visitors can ask before signing up.
 */
export default defineRoute({
  method: 'post',
  path: '/public/estimate',
  summary: 'Energy and CO2e (central, low, high) of one request to a model, with the current factor set; the same contract and figures as POST /api/v1/estimate, without an account. Public, limited per IP.',
  tag: 'emissions',
  auth: 'public',
  body: EstimateRequest,
  response: { status: 200, schema: EstimateResponse },
  handler: async ({ body, deps }) => estimateEmissions(deps.services.factorSets, body),
});
