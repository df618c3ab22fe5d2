import { join } from 'node:path';
import { repoRoot } from '../../../common/src/repo-root.js';

export { findRepoRoot, repoRoot } from '../../../common/src/repo-root.js';

export function defaultMigrationsDir(): string {
  return join(repoRoot(), 'prisma', 'migrations');
}

export function defaultSchemaPath(): string {
  return join(repoRoot(), 'prisma', 'schema.prisma');
}
