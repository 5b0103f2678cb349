/**
 * Preloaded (`node --require`) into a child process under test: host names ending in
 * `SLUICE_TEST_LOOPBACK_SUFFIX` resolve to 127.0.0.1, so a command can be pointed at a
 * deployed endpoint's host name (a function URL's `*.lambda-url.<region>.on.aws`) while a
 * local recorder answers it. Every other name resolves as usual.
 */
const dns = require('node:dns');

const suffix = process.env.SLUICE_TEST_LOOPBACK_SUFFIX;
const lookup = dns.lookup;
dns.lookup = function loopbackLookup(hostname, options, callback) {
  if (suffix && typeof hostname === 'string' && hostname.endsWith(suffix)) {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    if (all) return process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
    return process.nextTick(cb, null, '127.0.0.1', 4);
  }
  return lookup.call(this, hostname, options, callback);
};
