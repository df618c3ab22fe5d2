import { request } from './http.js';
import type { BenchServer } from './server.js';

export const BENCH_LAB = 'lab1.bench.test';
/** The tree benchmark jobs ask for in `<distroRequires>`; the others make the catalog less trivial. */
export const BENCH_DISTRO = {
  name: 'BenchLinux-9.4',
  family: 'BenchLinux9',
  arch: 'x86_64',
  variant: 'BaseOS',
};

/**
 * A lab controller and a few distro trees, created over HTTP as an admin would, so submissions
 * resolve their distro tree exactly as in production.
 */
export async function seedLab(server: BenchServer): Promise<void> {
  const post = (path: string, json: unknown) =>
    request(server.baseUrl, server.adminToken, 'POST', path, { json });
  await post('/labcontrollers', { fqdn: BENCH_LAB });
  const trees = [
    { name: 'BenchLinux-9.3', osMinor: '3', arch: 'x86_64' },
    { name: 'BenchLinux-9.4', osMinor: '4', arch: 'aarch64' },
    { name: BENCH_DISTRO.name, osMinor: '4', arch: BENCH_DISTRO.arch },
  ];
  for (const tree of trees) {
    await post('/distro-trees', {
      name: tree.name,
      osMajor: BENCH_DISTRO.family,
      osMinor: tree.osMinor,
      arch: tree.arch,
      variant: BENCH_DISTRO.variant,
      labUrls: [
        {
          labController: BENCH_LAB,
          url: `http://${BENCH_LAB}/distros/${tree.name}/${BENCH_DISTRO.variant}/${tree.arch}/os/`,
        },
        {
          labController: BENCH_LAB,
          url: `nfs://${BENCH_LAB}:/distros/${tree.name}/${BENCH_DISTRO.variant}/${tree.arch}/os/`,
        },
      ],
    });
  }
}
