import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';

describe('statelab CLI', () => {
  it('exits 2 with a reason on an unknown subcommand', async () => {
    const code = await main(['no-such-command']);
    expect(code).toBe(2);
  });

  it('exits 0 for --help', async () => {
    const code = await main(['--help']);
    expect(code).toBe(0);
  });
});
