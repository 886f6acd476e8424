import { runCli } from './cli/run';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`crm: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
