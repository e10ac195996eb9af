// validate.mjs STYLE.json...: runs the MapLibre style-spec validator (the
// one MapLibre GL JS applies when it loads a style) over each file and
// prints every error; exits 1 when there is any.
import { readFileSync } from 'node:fs';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';

let failed = false;
for (const file of process.argv.slice(2)) {
  const errors = validateStyleMin(JSON.parse(readFileSync(file, 'utf8')));
  for (const e of errors) {
    console.log(`${file}: ${e.message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
