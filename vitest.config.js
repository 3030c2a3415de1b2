import { defineConfig } from 'vitest/config';

// Tests run against the compiled output (tsc -> dist/), the same JavaScript the
// workers load. BOT4_OUT lets parallel builds use their own output folder.
const out = process.env.BOT4_OUT ?? 'dist';

export default defineConfig({
  test: {
    include: [`${out}/test/**/*.test.js`],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
