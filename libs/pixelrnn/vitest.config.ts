import { defineConfig } from 'vitest/config';
import { softwareGpuEnv } from '../../vitest.shared.ts';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: softwareGpuEnv(),
  },
});
