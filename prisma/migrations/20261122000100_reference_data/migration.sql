-- Reference data every Erlen site starts with (Beaker's beaker-init seeds the same).

INSERT INTO "retention_tag" ("tag", "is_default", "expire_in_days", "needs_product") VALUES
    ('scratch', true, 30, false),
    ('60days', false, 60, false),
    ('120days', false, 120, false),
    ('active', false, NULL, true),
    ('audit', false, NULL, true);

INSERT INTO "arch" ("name") VALUES
    ('i386'), ('x86_64'), ('ia64'), ('ppc'), ('ppc64'), ('ppc64le'), ('s390'), ('s390x'),
    ('armhfp'), ('aarch64'), ('arm');

INSERT INTO "key" ("name", "numeric") VALUES
    ('DISKSPACE', true), ('COMMENT', false), ('CPUFAMILY', true), ('CPUFLAGS', false),
    ('CPUMODEL', false), ('CPUMODELNUMBER', true), ('CPUSPEED', true), ('CPUVENDOR', false),
    ('DISK', true), ('FORMFACTOR', false), ('HVM', false), ('MEMORY', true), ('MODEL', false),
    ('MODULE', false), ('NETWORK', false), ('NR_DISKS', true), ('NR_ETH', true), ('NR_IB', true),
    ('PCIID', false), ('PROCESSORS', true), ('RTCERT', false), ('SCRATCH', false),
    ('STORAGE', false), ('USBID', false), ('VENDOR', false), ('XENCERT', false),
    ('NETBOOT_METHOD', false);

-- Protected groups: membership of "admin" makes an administrator; lab controller accounts
-- belong to "lab_controller".
INSERT INTO "user_group" ("name", "display_name", "description") VALUES
    ('admin', 'Admin', 'Erlen administrators'),
    ('lab_controller', 'Lab Controllers', 'Service accounts of lab controller daemons');

INSERT INTO "group_permission" ("group_id", "permission")
SELECT g.id, p.permission::"global_permission"
FROM "user_group" g
CROSS JOIN (VALUES ('stop_task'), ('secret_visible')) AS p(permission)
WHERE g.name IN ('admin', 'lab_controller');

INSERT INTO "group_permission" ("group_id", "permission")
SELECT g.id, p.permission::"global_permission"
FROM "user_group" g
CROSS JOIN (VALUES ('change_prio'), ('tag_distro'), ('distro_expire')) AS p(permission)
WHERE g.name = 'admin';
