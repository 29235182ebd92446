'use strict'

const neostandard = require('neostandard')

module.exports = neostandard({
  ts: true,
  // The ES module entry and the package test's consumer are .mts files.
  filesTs: ['**/*.mts', '**/*.cts'],
  ignores: ['dist/**', 'coverage/**', '.tap/**', ...neostandard.resolveIgnoresFromGitignore()]
})
