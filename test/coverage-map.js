'use strict'

const { readdirSync } = require('node:fs')
const { join } = require('node:path')

// Every test file counts towards the coverage of the plugin's TypeScript sources.
const sources = ['index.ts', ...readdirSync(join(__dirname, '..', 'lib')).map((file) => `lib/${file}`)]

module.exports = () => sources
