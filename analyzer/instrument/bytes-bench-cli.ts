// Shell entry of bytes-bench.ts: npx vite-node analyzer/instrument/bytes-bench-cli.ts --
// [--mbox lb,nat] [--trace f.pcap ...] [--json] prints state bytes per packet per model.
import { bytesBenchMain } from './bytes-bench.js';

bytesBenchMain(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`bytes-bench: ${e.message}\n`);
  process.exit(2);
});
