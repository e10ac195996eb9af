#!/usr/bin/env node
// vendor.mjs copies the browser builds of the page's npm dependencies, with
// their licences, from assets/node_modules into assets/vendor/<pkg>/.
// Run from the repository root after `npm --prefix assets ci`:
//
//   node assets/vendor.mjs
//
// The output is committed, so `make run` needs no npm. Licences are copied for
// each package and for every package its build bundles (its runtime
// dependency closure in package-lock.json), under vendor/<pkg>/licenses/.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nm = join(here, 'node_modules');
const out = join(here, 'vendor');

// package -> files to copy (from the package dir -> to vendor/<pkg>/).
const wanted = {
  leaflet: {
    'dist/leaflet.js': 'leaflet.js',
    'dist/leaflet.css': 'leaflet.css',
    'dist/images/layers.png': 'images/layers.png',
    'dist/images/layers-2x.png': 'images/layers-2x.png',
    'dist/images/marker-icon.png': 'images/marker-icon.png',
    'dist/images/marker-icon-2x.png': 'images/marker-icon-2x.png',
    'dist/images/marker-shadow.png': 'images/marker-shadow.png',
  },
  'protomaps-leaflet': { 'dist/protomaps-leaflet.js': 'protomaps-leaflet.js' },
  milsymbol: { 'dist/milsymbol.js': 'milsymbol.js' },
  mgrs: { 'dist/mgrs.esm.js': 'mgrs.esm.js' },
  '@geoman-io/leaflet-geoman-free': {
    'dist/leaflet-geoman.min.js': 'leaflet-geoman.min.js',
    'dist/leaflet-geoman.css': 'leaflet-geoman.css',
  },
};

const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
const pkgs = lock.packages || {};

// Resolve a dependency the way node does: nested node_modules first.
function resolve(from, name) {
  let base = from;
  for (;;) {
    const key = (base ? base + '/' : '') + 'node_modules/' + name;
    if (pkgs[key]) return key;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

function closure(name) {
  const seen = new Set();
  const stack = [resolve('', name)];
  while (stack.length) {
    const key = stack.pop();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    const deps = pkgs[key].dependencies || {};
    for (const d of Object.keys(deps)) {
      if (d.startsWith('@types/')) continue; // type declarations are not bundled
      stack.push(resolve(key, d));
    }
  }
  return [...seen];
}

function licenceFiles(dir) {
  return readdirSync(dir).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f));
}

const index = [];
for (const [name, files] of Object.entries(wanted)) {
  const src = join(nm, name);
  if (!existsSync(src)) throw new Error(`${name} is not installed: run npm --prefix assets ci`);
  const dst = join(out, name);
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(dst, { recursive: true });
  for (const [from, to] of Object.entries(files)) {
    mkdirSync(dirname(join(dst, to)), { recursive: true });
    const target = join(dst, to);
    if (/\.(js|css)$/.test(to)) {
      // Drop sourceMappingURL comments: the maps are not vendored, and a
      // browser with devtools open would otherwise ask the server for them.
      const text = readFileSync(join(src, from), 'utf8')
        .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
        .replace(/\n?\/\*# sourceMappingURL=\S+ \*\/\s*$/, '\n');
      writeFileSync(target, text);
    } else {
      cpSync(join(src, from), target);
    }
  }
  const version = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')).version;
  for (const key of closure(name)) {
    const dir = join(here, key);
    const dep = key.replace(/^.*node_modules\//, '');
    const lic = licenceFiles(dir);
    const base = dep === name ? dst : join(dst, 'licenses', dep.replace('/', '__'));
    mkdirSync(base, { recursive: true });
    if (lic.length === 0) {
      // Some packages ship no licence file; record what their package.json declares.
      const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (!meta.license) throw new Error(`${dep} (bundled by ${name}) declares no licence`);
      const author = typeof meta.author === 'object' ? meta.author.name : meta.author || '';
      const repo = typeof meta.repository === 'object' ? meta.repository.url : meta.repository || '';
      writeFileSync(join(base, 'LICENSE-NOTE.txt'),
        `${dep} ${meta.version}\nLicense: ${meta.license} (declared in its package.json; the package ships no licence file)\n` +
        (author ? `Author: ${author}\n` : '') + (repo ? `Repository: ${repo}\n` : ''));
    }
    for (const f of lic) {
      cpSync(join(dir, f), join(base, f));
    }
  }
  index.push(`${name} ${version}`);
}
writeFileSync(join(out, 'VERSIONS.txt'), index.join('\n') + '\n');
console.log('vendored into assets/vendor:\n  ' + index.join('\n  '));
