/**
 * Request and response shapes of the lab-inventory routes, shared by the server (which
 * validates them with TypeBox schemas in lab.routes.ts) and the CLI.
 */

export const SYSTEM_STATUSES = ['Automated', 'Manual', 'Broken', 'Removed'] as const;
export const SYSTEM_TYPES = ['Machine', 'Laptop', 'Prototype', 'Resource'] as const;

export interface PowerInput {
  /** Power script name: ipmilan, virtual, or a site script. */
  type: string;
  address: string;
  user?: string;
  password?: string;
  id?: string;
  quiescentPeriod?: number;
}

export interface SystemInput {
  fqdn: string;
  labController?: string;
  owner?: string;
  status?: (typeof SYSTEM_STATUSES)[number];
  statusReason?: string;
  type?: (typeof SYSTEM_TYPES)[number];
  arches: string[];
  memory?: number;
  numaNodes?: number;
  vendor?: string;
  model?: string;
  location?: string;
  serial?: string;
  lender?: string;
  hypervisor?: 'KVM' | 'Xen' | 'HyperV' | 'VMWare' | null;
  macAddress?: string;
  ipAddress?: string;
  cpu?: {
    vendor?: string;
    modelName?: string;
    model?: number;
    family?: number;
    stepping?: number;
    speed?: number;
    processors?: number;
    cores?: number;
    sockets?: number;
    hyper?: boolean;
    flags?: string[];
  };
  disks?: { model?: string; size: number; sectorSize?: number; physSectorSize?: number }[];
  devices?: {
    vendorId?: string;
    deviceId?: string;
    subsysVendorId?: string;
    subsysDeviceId?: string;
    bus?: string;
    driver?: string;
    description?: string;
    deviceClass?: string;
  }[];
  keyValues?: Record<string, string | number | (string | number)[]>;
  power?: PowerInput;
  accessPolicy?: { user?: string; group?: string; everybody?: boolean; permission: PolicyPermission }[];
}

export type PolicyPermission =
  | 'view'
  | 'view_power'
  | 'edit_policy'
  | 'edit_system'
  | 'loan_any'
  | 'loan_self'
  | 'control_system'
  | 'reserve';

/** One row of `GET /systems` (and the reply of `POST /systems`). */
export interface SystemSummary {
  fqdn: string;
  status: string;
  type: string;
  labController?: string;
  arches: string[];
  owner: string;
  user?: string;
  loanedTo?: string;
}

export interface DistroTreeInput {
  name: string;
  osMajor: string;
  osMinor?: string;
  arch: string;
  variant?: string;
  kind?: 'installer' | 'live';
  tags?: string[];
  ksMeta?: string;
  kernelOptions?: string;
  kernelOptionsPost?: string;
  images?: { type: string; path: string; kernelType?: string }[];
  repos?: { id: string; type: string; path: string }[];
  labUrls: { labController: string; url: string }[];
}
