// When live tests cannot run here (not root, no `ip`): the reason, printed once; CI runs as root.
import { liveMissing } from '../../../harness/live/index.js';

const missing = liveMissing();
export const cannotGoLive = missing.length > 0;
if (cannotGoLive) console.warn(`test/harness/live: skipping live runs: --live needs ${missing.join('; ')}`);
