import { EstimateRequest, EstimateResponse } from '../../../../contracts/estimate';
import { estimateEmissions } from '../../../services/telemetry/estimate';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'post',
  path: '/api/v1/estimate',
  summary: 'Energy and CO2e (central, low, high) of one request to a model, with the current factor set',
  tag: 'emissions',
  auth: 'organization',
  access: 'member',
  body: EstimateRequest,
  response: { status: 200, schema: EstimateResponse },
  handler: async ({ body, deps }) => estimateEmissions(deps.services.factorSets, body),
});
