#!/usr/bin/env node
// The `retract` command. In this repository it runs the TypeScript source through tsx's
// CommonJS loader (as `npm start` runs src/dev), so there is no build step to forget.
'use strict';
require('tsx/cjs/api').register();
require('../src/cli/main.ts').runFromProcess();
