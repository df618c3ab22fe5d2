/**
 * How each field of the filter reads a system's facts; null when the system has no such
 * fact (no cpu data, no lab controller, no disks for diskspace …), which no comparison
 * satisfies. Shared by evaluation and explanation.
 */
import type { ListField, NumberField, SystemFacts, TextField } from './types.js';

export const TEXT_FIELDS: Readonly<Record<TextField, (f: SystemFacts) => string | null>> = {
  fqdn: (f) => f.fqdn,
  type: (f) => f.type,
  status: (f) => f.status,
  labController: (f) => f.labController,
  vendor: (f) => f.vendor,
  model: (f) => f.model,
  location: (f) => f.location,
  serial: (f) => f.serial,
  lender: (f) => f.lender,
  powerType: (f) => f.powerType,
  hypervisor: (f) => f.hypervisor ?? '',
  owner: (f) => f.owner,
  user: (f) => f.user,
  loanedTo: (f) => f.loanedTo,
  cpuVendor: (f) => (f.cpu === null ? null : f.cpu.vendor),
  cpuModelName: (f) => (f.cpu === null ? null : f.cpu.modelName),
};

export const NUMBER_FIELDS: Readonly<Record<NumberField, (f: SystemFacts) => number | null>> = {
  memory: (f) => f.memory,
  numaNodes: (f) => f.numaNodes,
  cpuCores: (f) => (f.cpu === null ? null : f.cpu.cores),
  cpuFamily: (f) => (f.cpu === null ? null : f.cpu.family),
  cpuModel: (f) => (f.cpu === null ? null : f.cpu.model),
  cpuProcessors: (f) => (f.cpu === null ? null : f.cpu.processors),
  cpuSockets: (f) => (f.cpu === null ? null : f.cpu.sockets),
  cpuSpeed: (f) => (f.cpu === null ? null : f.cpu.speed),
  cpuStepping: (f) => (f.cpu === null ? null : f.cpu.stepping),
  diskSpace: diskSpace,
  diskCount: (f) => f.disks.length,
};

/** Total bytes over all disks; null without disks (SQL SUM over no rows). */
export function diskSpace(f: SystemFacts): number | null {
  if (f.disks.length === 0) return null;
  let total = 0;
  for (const disk of f.disks) total += disk.size;
  return total;
}

export const LIST_FIELDS: Readonly<Record<ListField, (f: SystemFacts) => readonly string[] | null>> = {
  arch: (f) => f.arches,
  pool: (f) => f.pools,
  cpuFlag: (f) => (f.cpu === null ? null : f.cpu.flags),
};
