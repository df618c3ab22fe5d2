import type { Db } from './db/prisma.js';
import { issueApiToken } from './modules/accounts/accounts.service.js';
import { createLabController, createSystem, importDistroTree } from './modules/lab/inventory.service.js';
import type { Actor } from './security/actor.js';
import type { SecretBox } from './security/secret-box.js';

export const DEMO_LAB = 'lab1.erlen.test';
export const DEMO_DISTRO = 'ErlenLinux-1.0';

/**
 * A small lab for trying Erlen out: one lab controller, a live distro tree and four
 * simulated systems with the `virtual` power type, shared with everybody. Idempotent.
 */
export async function seedDemoLab(
  db: Db,
  admin: Actor,
  secrets: SecretBox,
  /** Where the lab serves the tree; the quick start points it at local placeholder images. */
  treeUrl = `http://${DEMO_LAB}/distros/${DEMO_DISTRO}/x86_64/`,
): Promise<{ labToken: string }> {
  const existing = await db.labController.findUnique({ where: { fqdn: DEMO_LAB } });
  // Each start of the quick-start lab gets a fresh token for its lab controller daemon.
  const labToken = existing
    ? (await issueApiToken(db, existing.userId, 'quick start')).token
    : (await createLabController(db, DEMO_LAB)).token;
  await importDistroTree(db, admin, {
    name: DEMO_DISTRO,
    osMajor: 'ErlenLinux1',
    osMinor: '0',
    arch: 'x86_64',
    variant: 'Server',
    kind: 'live',
    tags: ['RELEASED'],
    images: [
      { type: 'kernel', path: 'images/vmlinuz' },
      { type: 'initrd', path: 'images/initrd.img' },
    ],
    labUrls: [{ labController: DEMO_LAB, url: treeUrl }],
  });
  const shapes = [
    { memory: 4096, cores: 2, hvm: 0 },
    { memory: 8192, cores: 4, hvm: 1 },
    { memory: 16384, cores: 8, hvm: 1 },
    { memory: 32768, cores: 16, hvm: 1 },
  ];
  for (const [index, shape] of shapes.entries()) {
    const fqdn = `sim${index + 1}.${DEMO_LAB}`;
    if (await db.system.findUnique({ where: { fqdn } })) continue;
    await createSystem(
      db,
      admin,
      {
        fqdn,
        labController: DEMO_LAB,
        arches: ['x86_64'],
        memory: shape.memory,
        numaNodes: 1,
        vendor: 'Erlen',
        model: 'Simulated',
        location: 'quick start',
        macAddress: `52:54:00:00:10:${String(index + 1).padStart(2, '0')}`,
        cpu: {
          vendor: 'GenuineIntel',
          modelName: 'Simulated CPU',
          processors: shape.cores,
          cores: shape.cores,
          sockets: 1,
          flags: ['lm', 'vmx'],
        },
        disks: [{ model: 'virtio', size: 100 * 1024 ** 3 }],
        keyValues: { HVM: String(shape.hvm), NR_ETH: 1 },
        power: { type: 'virtual', address: `sim${index + 1}` },
        accessPolicy: [
          { everybody: true, permission: 'view' },
          { everybody: true, permission: 'reserve' },
        ],
      },
      secrets,
    );
  }
  return { labToken };
}
