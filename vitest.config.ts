import { defineConfig } from 'vitest/config';

// Tests spawn compilers and middlebox processes; forks keep native addons
// (tree-sitter, cap) out of shared worker threads.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    coverage: {
      // V8's built-in coverage, as c8 collects it, but over the modules vitest transforms.
      provider: 'v8',
      include: ['analyzer/**', 'harness/**', 'experiments/**', 'cli/**', 'traces/**'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
