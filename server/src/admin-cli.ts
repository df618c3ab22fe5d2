import { parseArgs } from 'node:util';
import { loadServerConfig } from './config.js';
import { applyMigrations } from './db/migrate.js';
import { createPrisma, type Db } from './db/prisma.js';
import { defaultMigrationsDir } from './db/repo-paths.js';
import { seedDemoLab } from './demo-lab.js';
import { createUser, issueApiToken } from './modules/accounts/accounts.service.js';
import { actorFromUser } from './security/authenticate.js';
import { SecretBox } from './security/secret-box.js';

/**
 * Site administration that cannot go through the API because no account exists yet:
 *   erlen-admin bootstrap --username NAME --email ADDR [--demo-lab [--demo-tree-url URL]]
 * prints `{ "username", "token" }` for a new API token of that administrator (creating the
 * account if needed) and optionally seeds the demo lab.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      username: { type: 'string', default: 'admin' },
      email: { type: 'string' },
      'demo-lab': { type: 'boolean', default: false },
      'demo-tree-url': { type: 'string' },
    },
  });
  if (positionals[0] !== 'bootstrap')
    throw new Error(
      'usage: erlen-admin bootstrap --username NAME --email ADDR [--demo-lab [--demo-tree-url URL]]',
    );
  const config = loadServerConfig();
  await applyMigrations({ connectionString: config.databaseUrl, migrationsDir: defaultMigrationsDir() });
  const db = createPrisma(config.databaseUrl, 2);
  try {
    const username = values.username;
    const user = await ensureAdmin(db, username, values.email ?? `${username}@localhost`);
    const { token } = await issueApiToken(db, user.id, 'bootstrap');
    let labToken: string | undefined;
    if (values['demo-lab']) {
      const full = await db.user.findUniqueOrThrow({
        where: { id: user.id },
        include: { memberships: { include: { group: { include: { permissions: true } } } } },
      });
      const secrets = new SecretBox(config.secretKey);
      labToken = (await seedDemoLab(db, actorFromUser(full), secrets, values['demo-tree-url'])).labToken;
    }
    process.stdout.write(`${JSON.stringify({ username, token, labToken })}\n`);
  } finally {
    await db.$disconnect();
  }
}

async function ensureAdmin(db: Db, username: string, email: string) {
  const existing = await db.user.findUnique({ where: { username } });
  if (!existing) return createUser(db, { username, email, admin: true });
  const admin = await db.group.findUniqueOrThrow({ where: { name: 'admin' } });
  await db.groupMember.upsert({
    where: { groupId_userId: { groupId: admin.id, userId: existing.id } },
    create: { groupId: admin.id, userId: existing.id },
    update: {},
  });
  return existing;
}

main().catch((error: unknown) => {
  console.error(`erlen-admin: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
