import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** A missing input file is the user's mistake: exit 2 naming the file, never ST_ERR_INTERNAL with a stack. */
describe('missing input files (the real CLI)', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['cost fit --samples', ['cost', 'fit', '--samples', '/nonexistent/cost-samples.ndjson', '-o', '/tmp/st-never.json'], /ST_ERR_INPUT_UNREADABLE: cannot read cost samples \/nonexistent\/cost-samples.ndjson: ENOENT/],
    ['forecast --input', ['forecast', '--input', '/nonexistent/model.json'], /ST_ERR_INPUT_UNREADABLE: .*\/nonexistent\/model.json.*ENOENT/],
    ['generate --scenario', ['generate', '--scenario', '/nonexistent/s.yaml'], /ST_ERR_CONFIG_FILE_UNREADABLE: cannot read config file \/nonexistent\/s.yaml: ENOENT; check the path\n/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const run = runCli(args);
      expect(await run.exit).toBe(2);
      expect(run.stderr()).toMatch(message);
      expect(run.stderr()).not.toMatch(/ST_ERR_INTERNAL|--config|\n\s+at /);
    });
  }
});
