import { Type } from 'typebox';

// Request and response schemas of the lab routes; the matching TypeScript shapes are in
// common/src/api/inventory.ts (shared with the CLI).

export const Str = Type.Optional(Type.String());
const Num = Type.Optional(Type.Number({ minimum: 0 }));
const Permission = Type.Union(
  [
    'view',
    'view_power',
    'edit_policy',
    'edit_system',
    'loan_any',
    'loan_self',
    'control_system',
    'reserve',
  ].map((p) => Type.Literal(p)),
);

export const SystemInputSchema = Type.Object(
  {
    fqdn: Type.String({ minLength: 1, maxLength: 255 }),
    labController: Str,
    owner: Str,
    status: Type.Optional(
      Type.Union(['Automated', 'Manual', 'Broken', 'Removed'].map((s) => Type.Literal(s))),
    ),
    statusReason: Str,
    type: Type.Optional(
      Type.Union(['Machine', 'Laptop', 'Prototype', 'Resource'].map((s) => Type.Literal(s))),
    ),
    arches: Type.Array(Type.String(), { minItems: 1 }),
    memory: Type.Optional(Type.Integer({ minimum: 0 })),
    numaNodes: Type.Optional(Type.Integer({ minimum: 0 })),
    vendor: Str,
    model: Str,
    location: Str,
    serial: Str,
    lender: Str,
    hypervisor: Type.Optional(
      Type.Union([...['KVM', 'Xen', 'HyperV', 'VMWare'].map((s) => Type.Literal(s)), Type.Null()]),
    ),
    macAddress: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$' })),
    ipAddress: Type.Optional(Type.String({ format: 'ipv4' })),
    cpu: Type.Optional(
      Type.Object({
        vendor: Str,
        modelName: Str,
        model: Type.Optional(Type.Integer()),
        family: Type.Optional(Type.Integer()),
        stepping: Type.Optional(Type.Integer()),
        speed: Num,
        processors: Type.Optional(Type.Integer({ minimum: 0 })),
        cores: Type.Optional(Type.Integer({ minimum: 0 })),
        sockets: Type.Optional(Type.Integer({ minimum: 0 })),
        hyper: Type.Optional(Type.Boolean()),
        flags: Type.Optional(Type.Array(Type.String())),
      }),
    ),
    disks: Type.Optional(
      Type.Array(
        Type.Object({
          model: Str,
          size: Type.Integer({ minimum: 0 }),
          sectorSize: Type.Optional(Type.Integer()),
          physSectorSize: Type.Optional(Type.Integer()),
        }),
      ),
    ),
    devices: Type.Optional(
      Type.Array(
        Type.Object({
          vendorId: Str,
          deviceId: Str,
          subsysVendorId: Str,
          subsysDeviceId: Str,
          bus: Str,
          driver: Str,
          description: Str,
          deviceClass: Str,
        }),
      ),
    ),
    keyValues: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Union([Type.String(), Type.Number(), Type.Array(Type.Union([Type.String(), Type.Number()]))]),
      ),
    ),
    power: Type.Optional(
      Type.Object({
        type: Type.String({ minLength: 1 }),
        address: Type.String({ minLength: 1 }),
        user: Str,
        password: Str,
        id: Str,
        quiescentPeriod: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
    ),
    accessPolicy: Type.Optional(
      Type.Array(
        Type.Object({
          user: Str,
          group: Str,
          everybody: Type.Optional(Type.Boolean()),
          permission: Permission,
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

export const SystemSummary = Type.Object({
  fqdn: Type.String(),
  status: Type.String(),
  type: Type.String(),
  labController: Type.Optional(Type.String()),
  arches: Type.Array(Type.String()),
  owner: Type.String(),
  user: Type.Optional(Type.String()),
  loanedTo: Type.Optional(Type.String()),
});
