#!/usr/bin/env node
// The CLI ships compiled: `npm ci` runs the `prepare` build, so dist/ exists here.
import '../dist/src/cli/main.js';
