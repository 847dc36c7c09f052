// Builds the package to plain JavaScript: one ESM and one CJS bundle per entry point, and the
// TypeScript declarations. Run by `npm run build` and by `npm pack` (prepack).
//
// The sources import each other without file extensions (so the app's bundler, Turbopack, can
// compile them directly); the declarations get the `.js` extensions Node's ESM resolution needs.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const src = join(here, 'src');
const dist = join(here, 'dist');
const entryPoints = ['index.ts', 'span/index.ts', 'providers/index.ts', 'mask/index.ts'];

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

rmSync(dist, { recursive: true, force: true });
const common = { platform: 'node', target: 'node18', logLevel: 'warning' };
// The dependencies (the detectors' libraries, loaded by the `mask` entry only) stay imports: the
// app installs them with the package.
const bundle = { ...common, entryPoints: entryPoints.map((entry) => join(src, entry)), outbase: src, bundle: true, packages: 'external' };
await build({ ...bundle, outdir: join(dist, 'esm'), format: 'esm' });
await build({ ...bundle, outdir: join(dist, 'cjs'), format: 'cjs', outExtension: { '.js': '.cjs' } });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
const types = join(dist, 'types');
for (const file of sources(types).filter((path) => path.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8').replace(/(from |import\()'(\.\.?\/[^']+)'/g, (match, keyword, specifier) => {
    if (/\.[cm]?js$/.test(specifier)) return match;
    const target = join(dirname(file), specifier);
    const suffix = existsSync(`${target}.d.ts`) ? '.js' : existsSync(join(target, 'index.d.ts')) ? '/index.js' : null;
    if (suffix === null) throw new Error(`${file}: cannot resolve ${specifier}`);
    return `${keyword}'${specifier}${suffix}'`;
  });
  writeFileSync(file, text);
}
console.log(`built ${relative(process.cwd(), dist) || 'dist'}: esm, cjs and types`);
