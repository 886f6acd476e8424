import { loadConfig } from '../server/config';

/** The validated public base URL (CRM_PUBLIC_URL, else http://localhost:PORT) for links sent in chat. */
export function publicBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return loadConfig(env).publicUrl;
}
