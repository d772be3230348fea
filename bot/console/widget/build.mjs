// Build the widget into dist/ (no bundler needed; output is byte-for-byte reproducible).
//
//   dist/fapiao-widget.js   one file: socket.io-client (from node_modules, pinned by
//                           package-lock.json) + the widget sources + the CSS, in one IIFE
//   dist/socket.io.min.js   the unmodified client, for pages that want it separately
//
// Run with `npm ci && npm run build` in bot/console/widget/.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const read = (...parts) => readFileSync(join(here, ...parts), 'utf8');

const SOURCES = ['config.js', 'store.js', 'render.js', 'api.js', 'connection.js', 'widget.js', 'main.js'];

const clientPackage = JSON.parse(read('node_modules', 'socket.io-client', 'package.json'));
if (!clientPackage.version.startsWith('4.')) {
  throw new Error(`socket.io-client 4.x expected, found ${clientPackage.version}`);
}
const client = read('node_modules', 'socket.io-client', 'dist', 'socket.io.min.js')
  .replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');

// The UMD wrapper of socket.io-client assigns module.exports when it sees a CommonJS `module`;
// giving it a local one keeps `io` out of the host page's globals and away from its AMD loader.
const bundle = [
  `/*! 发票助手 chat widget — includes socket.io-client ${clientPackage.version} (MIT) */`,
  '(function () {',
  "'use strict';",
  'var socketIo = (function () {',
  '  var module = { exports: {} }; var exports = module.exports; var define;',
  client,
  '  return module.exports;',
  '}).call(window);',
  `var WIDGET_CSS = ${JSON.stringify(read('src', 'widget.css'))};`,
  ...SOURCES.map((name) => `// ---- src/${name}\n${read('src', name)}`),
  '})();',
  '',
].join('\n');

mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'fapiao-widget.js'), bundle);
writeFileSync(join(dist, 'socket.io.min.js'), client);
const digest = createHash('sha256').update(bundle).digest('hex');
writeFileSync(
  join(dist, 'manifest.json'),
  `${JSON.stringify({ 'fapiao-widget.js': digest, 'socket.io-client': clientPackage.version }, null, 2)}\n`,
);
console.log(`dist/fapiao-widget.js ${bundle.length} bytes sha256 ${digest}`);
