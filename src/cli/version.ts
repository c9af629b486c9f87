import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's own version: package.json sits two levels above both src/cli and dist/cli. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
