import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MigrationFile {
  /** Directory name, e.g. `20250101000000_init`; also the `migration_name` recorded in the database. */
  name: string;
  sql: string;
  /** Hex sha256 of the file bytes, as Prisma records it. */
  checksum: string;
  /**
   * Checksum of the same script with CRLF line endings turned into LF. Prisma accepts either, so a
   * checkout with `core.autocrlf` does not look like an edited migration.
   */
  lfChecksum: string;
}

function sha256Hex(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Reads `<dir>/<name>/migration.sql` for every subdirectory, ordered by name the way Prisma orders them. */
export function readMigrationFiles(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir)) throw new Error(`migrations directory ${migrationsDir} does not exist`);
  const names = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    // Code-point order, not locale order: Prisma sorts with Rust's byte-wise string comparison.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const path = join(migrationsDir, name, 'migration.sql');
    if (!existsSync(path)) throw new Error(`migration "${name}" has no migration.sql (expected ${path})`);
    const bytes = readFileSync(path);
    const sql = bytes.toString('utf8');
    return { name, sql, checksum: sha256Hex(bytes), lfChecksum: sha256Hex(sql.replaceAll('\r\n', '\n')) };
  });
}
