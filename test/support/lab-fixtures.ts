// A lab in which the Beaker sample jobs (shared/beaker-compat/jobs) can be scheduled.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestServer } from './server.js';
import { bearer } from './server.js';

export const LAB = 'lab1.example.com';

const compatDir = fileURLToPath(new URL('../../../shared/beaker-compat/', import.meta.url));
export const compatPath = (name: string) => `${compatDir}${name}`;
export const compatJob = (name: string) => readFileSync(compatPath(`jobs/${name}`), 'utf8');
export const SAMPLE_JOBS = ['complete-job.xml', 'virtualization-workflow-sample-job.xml'];

async function post(server: TestServer, url: string, payload: object, token = server.adminToken) {
  const response = await server.app.inject({ method: 'POST', url, headers: bearer(token), payload });
  if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** Lab controller, the distro trees the samples ask for, and the group and product complete-job.xml names. */
export async function seedSampleLab(server: TestServer, ownerToken: string): Promise<void> {
  await post(server, '/labcontrollers', { fqdn: LAB });
  await post(server, '/distro-trees', {
    name: 'BlueShoeLinux5-5',
    osMajor: 'BlueShoeLinux5',
    osMinor: '5',
    arch: 'i386',
    variant: 'Server',
    labUrls: [{ labController: LAB, url: `http://${LAB}/distros/BlueShoeLinux5-5/Server/i386/os/` }],
  });
  await post(server, '/distro-trees', {
    name: 'RHEL-6.3',
    osMajor: 'RedHatEnterpriseLinux6',
    osMinor: '3',
    arch: 'x86_64',
    variant: 'Server',
    labUrls: [{ labController: LAB, url: `nfs://${LAB}:/distros/RHEL-6.3/Server/x86_64/os/` }],
  });
  await post(server, '/groups', { name: 'somegroup' }, ownerToken);
  await post(server, '/products', { name: 'the_product' });
}
