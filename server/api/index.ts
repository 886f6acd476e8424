import type { ApiOperation } from './openapi';
import { openApiOperations } from './openapi';
import { customerOperations } from './customers';
import { contractOperations } from './contracts';
import { publicLeadOperations } from './public-leads';
import { opportunityOperations } from './opportunities';

/** Every /api/v1 operation: the OpenAPI document is built from this list (openApiRouter(API_OPERATIONS)). */
export const API_OPERATIONS: readonly ApiOperation[] = [...openApiOperations, ...customerOperations, ...contractOperations, ...opportunityOperations, ...publicLeadOperations];
