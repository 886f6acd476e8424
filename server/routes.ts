import type { RouterFactory } from './app';

/** Every transport's routers, mounted in this order after /healthz. Each capability adds its own here. */
export const ROUTERS: RouterFactory[] = [];
