// Tests never seed demo data or start schedulers unless they ask to.
process.env.CRM_DEMO_SEED = process.env.CRM_DEMO_SEED ?? 'off';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';
