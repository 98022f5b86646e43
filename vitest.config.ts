import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/cluster.global.ts'],
    // e2e files start their own API server and namespaced process trees; two
    // cores are all these machines have, so keep the fan-out small.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
