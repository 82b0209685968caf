// The whole suite by default; `mocha dist/test/x.spec.js` runs only the files named.
const named = process.argv.slice(2).some((a) => !a.startsWith('-') && /\.spec\.js$/.test(a));

module.exports = {
  ...(named ? {} : { spec: ['dist/test/**/*.spec.js'] }),
  timeout: 60000,
  'enable-source-maps': true,
};
