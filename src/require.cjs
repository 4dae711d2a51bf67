// `require('rnn-dynamics')`: the package is ECMAScript modules; Node 20.19+ loads them with
// require() (require(esm)), older versions cannot. Copied to dist/index.cjs by the build.
'use strict';
try {
  module.exports = require('./index.js');
} catch (e) {
  if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
    throw new Error(
      `rnn-dynamics is an ES module package and this Node.js (${process.version}) cannot require() it. ` +
        'Use Node.js >= 20.19 (require of ES modules), or `const m = await import("rnn-dynamics")`, ' +
        'or `import { runScenario } from "rnn-dynamics"` from an ES module.',
      { cause: e },
    );
  }
  throw e;
}
