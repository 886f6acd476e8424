import type { RouterFactory } from './app';
import { h5StaticRouter } from './http/static';
import { openApiRouter } from './api/openapi';
import { API_OPERATIONS } from './api';
import { mpRouter } from './mp/routes';
import { customersApiRouter } from './api/customers';
import { publicLeadsRouter } from './api/public-leads';
import { calendarRouter } from './http/calendar';
import { contractsApiRouter } from './api/contracts';
import { larkRouter } from '../bot/routes';

/** Every transport's routers, mounted in this order after /healthz. Each capability adds its own here. */
export const ROUTERS: RouterFactory[] = [
  openApiRouter(API_OPERATIONS),
  customersApiRouter,
  publicLeadsRouter(),
  calendarRouter,
  mpRouter(),
  contractsApiRouter,
  larkRouter,
  // Add new routers above this line.
  h5StaticRouter(), // KEEP LAST: the built H5 mini-program at / with an SPA fallback (never /api, /mp, /lark, /healthz)
];
