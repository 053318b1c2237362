/**
 * The browser benchmarks (`benchmarks/*.bench.ts`), run by hand, never in CI:
 *   cd ui-tests && CHROMIUM_PATH=/usr/bin/chromium jlpm playwright test -c benchmarks.config.js
 * Same browser and server as the browser tests; figures are printed, not asserted.
 */
const config = require('./playwright.config');

module.exports = {
  ...config,
  testDir: './benchmarks',
  testMatch: '**/*.bench.ts',
  timeout: 15 * 60 * 1000,
  reporter: [['list']]
};
