-- CreateEnum
CREATE TYPE "account_kind" AS ENUM ('user', 'labcontroller');

-- CreateEnum
CREATE TYPE "token_kind" AS ENUM ('api', 'session');

-- CreateEnum
CREATE TYPE "group_membership_type" AS ENUM ('normal', 'ldap', 'inverted');

-- CreateEnum
CREATE TYPE "global_permission" AS ENUM ('distro_expire', 'proxy_auth', 'tag_distro', 'stop_task', 'secret_visible', 'change_prio');

-- CreateEnum
CREATE TYPE "distro_tree_kind" AS ENUM ('installer', 'live');

-- CreateEnum
CREATE TYPE "system_status" AS ENUM ('Automated', 'Manual', 'Broken', 'Removed');

-- CreateEnum
CREATE TYPE "system_type" AS ENUM ('Machine', 'Laptop', 'Prototype', 'Resource');

-- CreateEnum
CREATE TYPE "release_action" AS ENUM ('PowerOff', 'LeaveOn', 'ReProvision');

-- CreateEnum
CREATE TYPE "hypervisor" AS ENUM ('KVM', 'Xen', 'HyperV', 'VMWare');

-- CreateEnum
CREATE TYPE "system_permission" AS ENUM ('view', 'view_power', 'edit_policy', 'edit_system', 'loan_any', 'loan_self', 'control_system', 'reserve');

-- CreateEnum
CREATE TYPE "reservation_type" AS ENUM ('manual', 'recipe');

-- CreateEnum
CREATE TYPE "command_action" AS ENUM ('on', 'off', 'interrupt', 'reboot', 'clear_logs', 'configure_netboot', 'clear_netboot');

-- CreateEnum
CREATE TYPE "command_status" AS ENUM ('Queued', 'Running', 'Completed', 'Failed', 'Aborted');

-- CreateEnum
CREATE TYPE "activity_object" AS ENUM ('system', 'pool', 'lab_controller', 'group', 'user', 'distro', 'distro_tree', 'job', 'recipe_set', 'recipe');

-- CreateEnum
CREATE TYPE "task_status" AS ENUM ('New', 'Processed', 'Queued', 'Scheduled', 'Waiting', 'Installing', 'Running', 'Reserved', 'Completed', 'Cancelled', 'Aborted');

-- CreateEnum
CREATE TYPE "task_result" AS ENUM ('New', 'None', 'Skip', 'Pass', 'Warn', 'Fail', 'Panic');

-- CreateEnum
CREATE TYPE "task_priority" AS ENUM ('Low', 'Medium', 'Normal', 'High', 'Urgent');

-- CreateEnum
CREATE TYPE "recipe_kind" AS ENUM ('machine', 'guest');

-- CreateEnum
CREATE TYPE "resource_type" AS ENUM ('system', 'virt', 'guest');

-- CreateTable
CREATE TABLE "user_account" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "display_name" TEXT NOT NULL DEFAULT '',
    "kind" "account_kind" NOT NULL DEFAULT 'user',
    "password_hash" TEXT,
    "root_password_hash" TEXT,
    "root_password_set_at" TIMESTAMP(3),
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "removed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "token_kind" NOT NULL DEFAULT 'api',
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ssh_public_key" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "key_type" TEXT NOT NULL,
    "pubkey" TEXT NOT NULL,
    "ident" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "ssh_public_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "submission_delegate" (
    "principal_id" INTEGER NOT NULL,
    "delegate_id" INTEGER NOT NULL,

    CONSTRAINT "submission_delegate_pkey" PRIMARY KEY ("principal_id","delegate_id")
);

-- CreateTable
CREATE TABLE "user_group" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "display_name" TEXT NOT NULL DEFAULT '',
    "description" TEXT NOT NULL DEFAULT '',
    "membership_type" "group_membership_type" NOT NULL DEFAULT 'normal',
    "root_password_hash" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "group_member" (
    "group_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "is_owner" BOOLEAN NOT NULL DEFAULT false,
    "excluded" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "group_member_pkey" PRIMARY KEY ("group_id","user_id")
);

-- CreateTable
CREATE TABLE "group_permission" (
    "group_id" INTEGER NOT NULL,
    "permission" "global_permission" NOT NULL,

    CONSTRAINT "group_permission_pkey" PRIMARY KEY ("group_id","permission")
);

-- CreateTable
CREATE TABLE "lab_controller" (
    "id" SERIAL NOT NULL,
    "fqdn" TEXT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "removed_at" TIMESTAMP(3),
    "last_seen_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lab_controller_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "arch" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "arch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "os_major" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "alias" TEXT,

    CONSTRAINT "os_major_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "os_major_install_options" (
    "id" SERIAL NOT NULL,
    "os_major_id" INTEGER NOT NULL,
    "arch_id" INTEGER,
    "ks_meta" TEXT NOT NULL DEFAULT '',
    "kernel_options" TEXT NOT NULL DEFAULT '',
    "kernel_options_post" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "os_major_install_options_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "os_version" (
    "id" SERIAL NOT NULL,
    "os_major_id" INTEGER NOT NULL,
    "os_minor" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "os_version_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "distro" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "os_version_id" INTEGER NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "distro_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "distro_tree" (
    "id" SERIAL NOT NULL,
    "distro_id" INTEGER NOT NULL,
    "arch_id" INTEGER NOT NULL,
    "variant" TEXT NOT NULL DEFAULT '',
    "kind" "distro_tree_kind" NOT NULL DEFAULT 'installer',
    "ks_meta" TEXT NOT NULL DEFAULT '',
    "kernel_options" TEXT NOT NULL DEFAULT '',
    "kernel_options_post" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "distro_tree_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "distro_tree_lab_url" (
    "id" SERIAL NOT NULL,
    "distro_tree_id" INTEGER NOT NULL,
    "lab_controller_id" INTEGER NOT NULL,
    "url" TEXT NOT NULL,

    CONSTRAINT "distro_tree_lab_url_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "distro_tree_image" (
    "id" SERIAL NOT NULL,
    "distro_tree_id" INTEGER NOT NULL,
    "image_type" TEXT NOT NULL,
    "kernel_type" TEXT NOT NULL DEFAULT 'default',
    "path" TEXT NOT NULL,

    CONSTRAINT "distro_tree_image_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "distro_tree_repo" (
    "id" SERIAL NOT NULL,
    "distro_tree_id" INTEGER NOT NULL,
    "repo_id" TEXT NOT NULL,
    "repo_type" TEXT NOT NULL,
    "path" TEXT NOT NULL,

    CONSTRAINT "distro_tree_repo_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system" (
    "id" SERIAL NOT NULL,
    "fqdn" TEXT NOT NULL,
    "type" "system_type" NOT NULL DEFAULT 'Machine',
    "status" "system_status" NOT NULL DEFAULT 'Automated',
    "status_reason" TEXT NOT NULL DEFAULT '',
    "owner_id" INTEGER NOT NULL,
    "user_id" INTEGER,
    "loaned_to_id" INTEGER,
    "loan_comment" TEXT NOT NULL DEFAULT '',
    "lab_controller_id" INTEGER,
    "serial" TEXT NOT NULL DEFAULT '',
    "location" TEXT NOT NULL DEFAULT '',
    "vendor" TEXT NOT NULL DEFAULT '',
    "model" TEXT NOT NULL DEFAULT '',
    "lender" TEXT NOT NULL DEFAULT '',
    "memory" INTEGER,
    "numa_nodes" INTEGER,
    "hypervisor" "hypervisor",
    "kernel_type" TEXT NOT NULL DEFAULT 'default',
    "mac_address" TEXT,
    "ip_address" TEXT,
    "release_action" "release_action" NOT NULL DEFAULT 'PowerOff',
    "reprovision_distro_tree_id" INTEGER,
    "custom_access_policy_id" INTEGER,
    "active_access_policy_id" INTEGER,
    "inventory_checksum" TEXT,
    "date_added" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "date_modified" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "date_last_inventoried" TIMESTAMP(3),

    CONSTRAINT "system_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system_arch" (
    "system_id" INTEGER NOT NULL,
    "arch_id" INTEGER NOT NULL,

    CONSTRAINT "system_arch_pkey" PRIMARY KEY ("system_id","arch_id")
);

-- CreateTable
CREATE TABLE "cpu" (
    "system_id" INTEGER NOT NULL,
    "vendor" TEXT NOT NULL DEFAULT '',
    "model_name" TEXT NOT NULL DEFAULT '',
    "model" INTEGER,
    "family" INTEGER,
    "stepping" INTEGER,
    "speed" DOUBLE PRECISION,
    "processors" INTEGER,
    "cores" INTEGER,
    "sockets" INTEGER,
    "hyper" BOOLEAN NOT NULL DEFAULT false,
    "flags" TEXT[] DEFAULT ARRAY[]::TEXT[],

    CONSTRAINT "cpu_pkey" PRIMARY KEY ("system_id")
);

-- CreateTable
CREATE TABLE "disk" (
    "id" SERIAL NOT NULL,
    "system_id" INTEGER NOT NULL,
    "model" TEXT NOT NULL DEFAULT '',
    "size" BIGINT NOT NULL,
    "sector_size" INTEGER,
    "phys_sector_size" INTEGER,

    CONSTRAINT "disk_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "device" (
    "id" SERIAL NOT NULL,
    "system_id" INTEGER NOT NULL,
    "vendor_id" TEXT NOT NULL DEFAULT '',
    "device_id" TEXT NOT NULL DEFAULT '',
    "subsys_vendor_id" TEXT NOT NULL DEFAULT '',
    "subsys_device_id" TEXT NOT NULL DEFAULT '',
    "bus" TEXT NOT NULL DEFAULT '',
    "driver" TEXT NOT NULL DEFAULT '',
    "description" TEXT NOT NULL DEFAULT '',
    "device_class" TEXT NOT NULL DEFAULT '',
    "fw_version" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "key" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "numeric" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "key_value" (
    "id" SERIAL NOT NULL,
    "system_id" INTEGER NOT NULL,
    "key_id" INTEGER NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "key_value_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "power" (
    "system_id" INTEGER NOT NULL,
    "power_type" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "user" TEXT NOT NULL DEFAULT '',
    "password_encrypted" TEXT,
    "power_id" TEXT NOT NULL DEFAULT '',
    "quiescent_period" INTEGER NOT NULL DEFAULT 5,

    CONSTRAINT "power_pkey" PRIMARY KEY ("system_id")
);

-- CreateTable
CREATE TABLE "excluded_os_major" (
    "system_id" INTEGER NOT NULL,
    "arch_id" INTEGER NOT NULL,
    "os_major_id" INTEGER NOT NULL,

    CONSTRAINT "excluded_os_major_pkey" PRIMARY KEY ("system_id","arch_id","os_major_id")
);

-- CreateTable
CREATE TABLE "excluded_os_version" (
    "system_id" INTEGER NOT NULL,
    "arch_id" INTEGER NOT NULL,
    "os_version_id" INTEGER NOT NULL,

    CONSTRAINT "excluded_os_version_pkey" PRIMARY KEY ("system_id","arch_id","os_version_id")
);

-- CreateTable
CREATE TABLE "system_provision" (
    "id" SERIAL NOT NULL,
    "system_id" INTEGER NOT NULL,
    "arch_id" INTEGER NOT NULL,
    "os_major_id" INTEGER,
    "os_version_id" INTEGER,
    "ks_meta" TEXT NOT NULL DEFAULT '',
    "kernel_options" TEXT NOT NULL DEFAULT '',
    "kernel_options_post" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "system_provision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system_note" (
    "id" SERIAL NOT NULL,
    "system_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMP(3),

    CONSTRAINT "system_note_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system_cc" (
    "system_id" INTEGER NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "system_cc_pkey" PRIMARY KEY ("system_id","email")
);

-- CreateTable
CREATE TABLE "pool" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "owner_user_id" INTEGER,
    "owner_group_id" INTEGER,
    "access_policy_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system_pool_member" (
    "system_id" INTEGER NOT NULL,
    "pool_id" INTEGER NOT NULL,

    CONSTRAINT "system_pool_member_pkey" PRIMARY KEY ("system_id","pool_id")
);

-- CreateTable
CREATE TABLE "access_policy" (
    "id" SERIAL NOT NULL,

    CONSTRAINT "access_policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "access_policy_rule" (
    "id" SERIAL NOT NULL,
    "policy_id" INTEGER NOT NULL,
    "user_id" INTEGER,
    "group_id" INTEGER,
    "permission" "system_permission" NOT NULL,

    CONSTRAINT "access_policy_rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reservation" (
    "id" SERIAL NOT NULL,
    "system_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "type" "reservation_type" NOT NULL,
    "start_time" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finish_time" TIMESTAMP(3),

    CONSTRAINT "reservation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "command" (
    "id" SERIAL NOT NULL,
    "system_id" INTEGER NOT NULL,
    "lab_controller_id" INTEGER NOT NULL,
    "user_id" INTEGER,
    "service" TEXT NOT NULL,
    "action" "command_action" NOT NULL,
    "status" "command_status" NOT NULL DEFAULT 'Queued',
    "installation_id" INTEGER,
    "queue_time" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "start_time" TIMESTAMP(3),
    "finish_time" TIMESTAMP(3),
    "delay_until" TIMESTAMP(3),
    "quiescent_period" INTEGER,
    "error_message" TEXT,

    CONSTRAINT "command_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "installation" (
    "id" SERIAL NOT NULL,
    "system_id" INTEGER,
    "recipe_id" INTEGER,
    "distro_tree_id" INTEGER,
    "arch" TEXT NOT NULL,
    "distro_name" TEXT NOT NULL,
    "os_major" TEXT NOT NULL,
    "os_minor" TEXT NOT NULL DEFAULT '',
    "variant" TEXT NOT NULL DEFAULT '',
    "tree_url" TEXT,
    "kernel_path" TEXT,
    "initrd_path" TEXT,
    "image_path" TEXT,
    "kernel_options" TEXT NOT NULL DEFAULT '',
    "rendered_kickstart" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rebooted_at" TIMESTAMP(3),
    "install_started_at" TIMESTAMP(3),
    "install_finished_at" TIMESTAMP(3),
    "postinstall_finished_at" TIMESTAMP(3),

    CONSTRAINT "installation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "activity" (
    "id" SERIAL NOT NULL,
    "object_type" "activity_object" NOT NULL,
    "object_id" INTEGER NOT NULL,
    "user_id" INTEGER,
    "service" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "field_name" TEXT NOT NULL,
    "old_value" TEXT,
    "new_value" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "activity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "version" TEXT NOT NULL DEFAULT '',
    "avg_time" INTEGER NOT NULL DEFAULT 1200,
    "owner" TEXT NOT NULL DEFAULT '',
    "destructive" BOOLEAN NOT NULL DEFAULT false,
    "valid" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "retention_tag" (
    "id" SERIAL NOT NULL,
    "tag" TEXT NOT NULL,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "expire_in_days" INTEGER,
    "needs_product" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "retention_tag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "product" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job" (
    "id" SERIAL NOT NULL,
    "owner_id" INTEGER NOT NULL,
    "submitter_id" INTEGER NOT NULL,
    "group_id" INTEGER,
    "retention_tag_id" INTEGER NOT NULL,
    "product_id" INTEGER,
    "whiteboard" TEXT NOT NULL DEFAULT '',
    "notify_cc" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "extra_xml" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" "task_status" NOT NULL DEFAULT 'New',
    "result" "task_result" NOT NULL DEFAULT 'New',
    "ttasks" INTEGER NOT NULL DEFAULT 0,
    "ntasks" INTEGER NOT NULL DEFAULT 0,
    "ptasks" INTEGER NOT NULL DEFAULT 0,
    "wtasks" INTEGER NOT NULL DEFAULT 0,
    "ftasks" INTEGER NOT NULL DEFAULT 0,
    "ktasks" INTEGER NOT NULL DEFAULT 0,
    "submitted_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "purged_at" TIMESTAMP(3),

    CONSTRAINT "job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recipe_set" (
    "id" SERIAL NOT NULL,
    "job_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "priority" "task_priority" NOT NULL DEFAULT 'Normal',
    "status" "task_status" NOT NULL DEFAULT 'New',
    "result" "task_result" NOT NULL DEFAULT 'New',
    "lab_controller_id" INTEGER,
    "waived" BOOLEAN NOT NULL DEFAULT false,
    "ttasks" INTEGER NOT NULL DEFAULT 0,
    "ntasks" INTEGER NOT NULL DEFAULT 0,
    "ptasks" INTEGER NOT NULL DEFAULT 0,
    "wtasks" INTEGER NOT NULL DEFAULT 0,
    "ftasks" INTEGER NOT NULL DEFAULT 0,
    "ktasks" INTEGER NOT NULL DEFAULT 0,
    "queue_time" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recipe_set_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recipe" (
    "id" SERIAL NOT NULL,
    "recipe_set_id" INTEGER NOT NULL,
    "kind" "recipe_kind" NOT NULL,
    "host_recipe_id" INTEGER,
    "position" INTEGER NOT NULL,
    "distro_tree_id" INTEGER,
    "whiteboard" TEXT NOT NULL DEFAULT '',
    "role" TEXT NOT NULL DEFAULT 'None',
    "ks_meta" TEXT NOT NULL DEFAULT '',
    "kernel_options" TEXT NOT NULL DEFAULT '',
    "kernel_options_post" TEXT NOT NULL DEFAULT '',
    "guest_name" TEXT,
    "guest_args" TEXT,
    "autopick_random" BOOLEAN NOT NULL DEFAULT false,
    "watchdog_panic" TEXT,
    "host_requires_xml" TEXT NOT NULL DEFAULT '',
    "host_requires_force" TEXT,
    "distro_requires" JSONB,
    "explicit_distro" JSONB,
    "reservesys_duration" INTEGER,
    "reservesys_when" TEXT,
    "packages" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "repos" JSONB NOT NULL DEFAULT '[]',
    "ks_appends" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "kickstart" TEXT,
    "partitions" JSONB NOT NULL DEFAULT '[]',
    "xml" TEXT NOT NULL,
    "status" "task_status" NOT NULL DEFAULT 'New',
    "result" "task_result" NOT NULL DEFAULT 'New',
    "ttasks" INTEGER NOT NULL DEFAULT 0,
    "ntasks" INTEGER NOT NULL DEFAULT 0,
    "ptasks" INTEGER NOT NULL DEFAULT 0,
    "wtasks" INTEGER NOT NULL DEFAULT 0,
    "ftasks" INTEGER NOT NULL DEFAULT 0,
    "ktasks" INTEGER NOT NULL DEFAULT 0,
    "start_time" TIMESTAMP(3),
    "finish_time" TIMESTAMP(3),
    "log_server" TEXT,

    CONSTRAINT "recipe_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recipe_resource" (
    "id" SERIAL NOT NULL,
    "recipe_id" INTEGER NOT NULL,
    "type" "resource_type" NOT NULL,
    "fqdn" TEXT,
    "system_id" INTEGER,
    "reservation_id" INTEGER,
    "mac_address" TEXT,
    "instance_id" TEXT,
    "lab_controller_id" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMP(3),

    CONSTRAINT "recipe_resource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recipe_task" (
    "id" SERIAL NOT NULL,
    "recipe_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT,
    "role" TEXT NOT NULL DEFAULT 'None',
    "fetch_url" TEXT,
    "fetch_subdir" TEXT,
    "avg_time" INTEGER,
    "status" "task_status" NOT NULL DEFAULT 'New',
    "result" "task_result" NOT NULL DEFAULT 'New',
    "start_time" TIMESTAMP(3),
    "finish_time" TIMESTAMP(3),

    CONSTRAINT "recipe_task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recipe_task_param" (
    "id" SERIAL NOT NULL,
    "recipe_task_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "recipe_task_param_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recipe_task_result" (
    "id" SERIAL NOT NULL,
    "recipe_task_id" INTEGER NOT NULL,
    "path" TEXT NOT NULL,
    "result" "task_result" NOT NULL,
    "score" DECIMAL(10,0),
    "message" TEXT NOT NULL DEFAULT '',
    "start_time" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recipe_task_result_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "log_file" (
    "id" SERIAL NOT NULL,
    "recipe_id" INTEGER NOT NULL,
    "recipe_task_id" INTEGER,
    "result_id" INTEGER,
    "path" TEXT NOT NULL DEFAULT '',
    "filename" TEXT NOT NULL,
    "server" TEXT NOT NULL,
    "size" BIGINT NOT NULL DEFAULT '0',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "log_file_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "watchdog" (
    "id" SERIAL NOT NULL,
    "recipe_id" INTEGER NOT NULL,
    "recipe_task_id" INTEGER,
    "subtask" TEXT,
    "kill_time" TIMESTAMP(3),

    CONSTRAINT "watchdog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "comment" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "recipe_set_id" INTEGER,
    "recipe_task_id" INTEGER,
    "result_id" INTEGER,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "comment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "user_account_username_key" ON "user_account"("username");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_token_hash_key" ON "api_token"("token_hash");

-- CreateIndex
CREATE INDEX "api_token_user_id_idx" ON "api_token"("user_id");

-- CreateIndex
CREATE INDEX "ssh_public_key_user_id_idx" ON "ssh_public_key"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "user_group_name_key" ON "user_group"("name");

-- CreateIndex
CREATE INDEX "group_member_user_id_idx" ON "group_member"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "lab_controller_fqdn_key" ON "lab_controller"("fqdn");

-- CreateIndex
CREATE UNIQUE INDEX "lab_controller_user_id_key" ON "lab_controller"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "arch_name_key" ON "arch"("name");

-- CreateIndex
CREATE UNIQUE INDEX "os_major_name_key" ON "os_major"("name");

-- CreateIndex
CREATE UNIQUE INDEX "os_major_alias_key" ON "os_major"("alias");

-- CreateIndex
CREATE UNIQUE INDEX "os_major_install_options_os_major_id_arch_id_key" ON "os_major_install_options"("os_major_id", "arch_id");

-- CreateIndex
CREATE UNIQUE INDEX "os_version_os_major_id_os_minor_key" ON "os_version"("os_major_id", "os_minor");

-- CreateIndex
CREATE UNIQUE INDEX "distro_name_key" ON "distro"("name");

-- CreateIndex
CREATE UNIQUE INDEX "distro_tree_distro_id_arch_id_variant_key" ON "distro_tree"("distro_id", "arch_id", "variant");

-- CreateIndex
CREATE INDEX "distro_tree_lab_url_lab_controller_id_idx" ON "distro_tree_lab_url"("lab_controller_id");

-- CreateIndex
CREATE UNIQUE INDEX "distro_tree_lab_url_distro_tree_id_lab_controller_id_url_key" ON "distro_tree_lab_url"("distro_tree_id", "lab_controller_id", "url");

-- CreateIndex
CREATE UNIQUE INDEX "distro_tree_image_distro_tree_id_image_type_kernel_type_key" ON "distro_tree_image"("distro_tree_id", "image_type", "kernel_type");

-- CreateIndex
CREATE UNIQUE INDEX "distro_tree_repo_distro_tree_id_repo_id_key" ON "distro_tree_repo"("distro_tree_id", "repo_id");

-- CreateIndex
CREATE UNIQUE INDEX "system_fqdn_key" ON "system"("fqdn");

-- CreateIndex
CREATE UNIQUE INDEX "system_custom_access_policy_id_key" ON "system"("custom_access_policy_id");

-- CreateIndex
CREATE INDEX "system_lab_controller_id_status_idx" ON "system"("lab_controller_id", "status");

-- CreateIndex
CREATE INDEX "system_owner_id_idx" ON "system"("owner_id");

-- CreateIndex
CREATE INDEX "disk_system_id_idx" ON "disk"("system_id");

-- CreateIndex
CREATE INDEX "device_system_id_idx" ON "device"("system_id");

-- CreateIndex
CREATE UNIQUE INDEX "key_name_key" ON "key"("name");

-- CreateIndex
CREATE INDEX "key_value_system_id_idx" ON "key_value"("system_id");

-- CreateIndex
CREATE INDEX "key_value_key_id_value_idx" ON "key_value"("key_id", "value");

-- CreateIndex
CREATE INDEX "power_address_idx" ON "power"("address");

-- CreateIndex
CREATE UNIQUE INDEX "system_provision_scope_key" ON "system_provision"("system_id", "arch_id", "os_major_id", "os_version_id");

-- CreateIndex
CREATE INDEX "system_note_system_id_idx" ON "system_note"("system_id");

-- CreateIndex
CREATE UNIQUE INDEX "pool_name_key" ON "pool"("name");

-- CreateIndex
CREATE UNIQUE INDEX "pool_access_policy_id_key" ON "pool"("access_policy_id");

-- CreateIndex
CREATE INDEX "system_pool_member_pool_id_idx" ON "system_pool_member"("pool_id");

-- CreateIndex
CREATE INDEX "access_policy_rule_policy_id_idx" ON "access_policy_rule"("policy_id");

-- CreateIndex
CREATE INDEX "reservation_system_id_finish_time_idx" ON "reservation"("system_id", "finish_time");

-- CreateIndex
CREATE INDEX "command_lab_controller_id_status_id_idx" ON "command"("lab_controller_id", "status", "id");

-- CreateIndex
CREATE INDEX "command_system_id_id_idx" ON "command"("system_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "installation_recipe_id_key" ON "installation"("recipe_id");

-- CreateIndex
CREATE INDEX "installation_system_id_idx" ON "installation"("system_id");

-- CreateIndex
CREATE INDEX "activity_object_type_object_id_id_idx" ON "activity"("object_type", "object_id", "id");

-- CreateIndex
CREATE INDEX "activity_created_at_idx" ON "activity"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "task_name_key" ON "task"("name");

-- CreateIndex
CREATE UNIQUE INDEX "retention_tag_tag_key" ON "retention_tag"("tag");

-- CreateIndex
CREATE UNIQUE INDEX "product_name_key" ON "product"("name");

-- CreateIndex
CREATE INDEX "job_owner_id_id_idx" ON "job"("owner_id", "id");

-- CreateIndex
CREATE INDEX "job_status_id_idx" ON "job"("status", "id");

-- CreateIndex
CREATE INDEX "recipe_set_job_id_idx" ON "recipe_set"("job_id");

-- CreateIndex
CREATE INDEX "recipe_set_status_priority_idx" ON "recipe_set"("status", "priority");

-- CreateIndex
CREATE INDEX "recipe_recipe_set_id_idx" ON "recipe"("recipe_set_id");

-- CreateIndex
CREATE INDEX "recipe_status_id_idx" ON "recipe"("status", "id");

-- CreateIndex
CREATE INDEX "recipe_host_recipe_id_idx" ON "recipe"("host_recipe_id");

-- CreateIndex
CREATE UNIQUE INDEX "recipe_resource_recipe_id_key" ON "recipe_resource"("recipe_id");

-- CreateIndex
CREATE INDEX "recipe_resource_system_id_idx" ON "recipe_resource"("system_id");

-- CreateIndex
CREATE INDEX "recipe_task_recipe_id_position_idx" ON "recipe_task"("recipe_id", "position");

-- CreateIndex
CREATE INDEX "recipe_task_param_recipe_task_id_idx" ON "recipe_task_param"("recipe_task_id");

-- CreateIndex
CREATE INDEX "recipe_task_result_recipe_task_id_id_idx" ON "recipe_task_result"("recipe_task_id", "id");

-- CreateIndex
CREATE INDEX "log_file_recipe_id_idx" ON "log_file"("recipe_id");

-- CreateIndex
CREATE INDEX "log_file_recipe_task_id_idx" ON "log_file"("recipe_task_id");

-- CreateIndex
CREATE INDEX "log_file_result_id_idx" ON "log_file"("result_id");

-- CreateIndex
CREATE UNIQUE INDEX "watchdog_recipe_id_key" ON "watchdog"("recipe_id");

-- CreateIndex
CREATE UNIQUE INDEX "watchdog_recipe_task_id_key" ON "watchdog"("recipe_task_id");

-- CreateIndex
CREATE INDEX "watchdog_kill_time_idx" ON "watchdog"("kill_time");

-- CreateIndex
CREATE INDEX "comment_recipe_set_id_idx" ON "comment"("recipe_set_id");

-- CreateIndex
CREATE INDEX "comment_recipe_task_id_idx" ON "comment"("recipe_task_id");

-- CreateIndex
CREATE INDEX "comment_result_id_idx" ON "comment"("result_id");

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ssh_public_key" ADD CONSTRAINT "ssh_public_key_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "submission_delegate" ADD CONSTRAINT "submission_delegate_principal_id_fkey" FOREIGN KEY ("principal_id") REFERENCES "user_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "submission_delegate" ADD CONSTRAINT "submission_delegate_delegate_id_fkey" FOREIGN KEY ("delegate_id") REFERENCES "user_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_member" ADD CONSTRAINT "group_member_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "user_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_member" ADD CONSTRAINT "group_member_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_permission" ADD CONSTRAINT "group_permission_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "user_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lab_controller" ADD CONSTRAINT "lab_controller_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "os_major_install_options" ADD CONSTRAINT "os_major_install_options_os_major_id_fkey" FOREIGN KEY ("os_major_id") REFERENCES "os_major"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "os_major_install_options" ADD CONSTRAINT "os_major_install_options_arch_id_fkey" FOREIGN KEY ("arch_id") REFERENCES "arch"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "os_version" ADD CONSTRAINT "os_version_os_major_id_fkey" FOREIGN KEY ("os_major_id") REFERENCES "os_major"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "distro" ADD CONSTRAINT "distro_os_version_id_fkey" FOREIGN KEY ("os_version_id") REFERENCES "os_version"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "distro_tree" ADD CONSTRAINT "distro_tree_distro_id_fkey" FOREIGN KEY ("distro_id") REFERENCES "distro"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "distro_tree" ADD CONSTRAINT "distro_tree_arch_id_fkey" FOREIGN KEY ("arch_id") REFERENCES "arch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "distro_tree_lab_url" ADD CONSTRAINT "distro_tree_lab_url_distro_tree_id_fkey" FOREIGN KEY ("distro_tree_id") REFERENCES "distro_tree"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "distro_tree_lab_url" ADD CONSTRAINT "distro_tree_lab_url_lab_controller_id_fkey" FOREIGN KEY ("lab_controller_id") REFERENCES "lab_controller"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "distro_tree_image" ADD CONSTRAINT "distro_tree_image_distro_tree_id_fkey" FOREIGN KEY ("distro_tree_id") REFERENCES "distro_tree"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "distro_tree_repo" ADD CONSTRAINT "distro_tree_repo_distro_tree_id_fkey" FOREIGN KEY ("distro_tree_id") REFERENCES "distro_tree"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system" ADD CONSTRAINT "system_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "user_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system" ADD CONSTRAINT "system_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system" ADD CONSTRAINT "system_loaned_to_id_fkey" FOREIGN KEY ("loaned_to_id") REFERENCES "user_account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system" ADD CONSTRAINT "system_lab_controller_id_fkey" FOREIGN KEY ("lab_controller_id") REFERENCES "lab_controller"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system" ADD CONSTRAINT "system_reprovision_distro_tree_id_fkey" FOREIGN KEY ("reprovision_distro_tree_id") REFERENCES "distro_tree"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system" ADD CONSTRAINT "system_custom_access_policy_id_fkey" FOREIGN KEY ("custom_access_policy_id") REFERENCES "access_policy"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system" ADD CONSTRAINT "system_active_access_policy_id_fkey" FOREIGN KEY ("active_access_policy_id") REFERENCES "access_policy"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_arch" ADD CONSTRAINT "system_arch_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_arch" ADD CONSTRAINT "system_arch_arch_id_fkey" FOREIGN KEY ("arch_id") REFERENCES "arch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cpu" ADD CONSTRAINT "cpu_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "disk" ADD CONSTRAINT "disk_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device" ADD CONSTRAINT "device_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "key_value" ADD CONSTRAINT "key_value_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "key_value" ADD CONSTRAINT "key_value_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "key"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "power" ADD CONSTRAINT "power_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "excluded_os_major" ADD CONSTRAINT "excluded_os_major_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "excluded_os_major" ADD CONSTRAINT "excluded_os_major_arch_id_fkey" FOREIGN KEY ("arch_id") REFERENCES "arch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "excluded_os_major" ADD CONSTRAINT "excluded_os_major_os_major_id_fkey" FOREIGN KEY ("os_major_id") REFERENCES "os_major"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "excluded_os_version" ADD CONSTRAINT "excluded_os_version_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "excluded_os_version" ADD CONSTRAINT "excluded_os_version_arch_id_fkey" FOREIGN KEY ("arch_id") REFERENCES "arch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "excluded_os_version" ADD CONSTRAINT "excluded_os_version_os_version_id_fkey" FOREIGN KEY ("os_version_id") REFERENCES "os_version"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_provision" ADD CONSTRAINT "system_provision_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_provision" ADD CONSTRAINT "system_provision_arch_id_fkey" FOREIGN KEY ("arch_id") REFERENCES "arch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_provision" ADD CONSTRAINT "system_provision_os_major_id_fkey" FOREIGN KEY ("os_major_id") REFERENCES "os_major"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_provision" ADD CONSTRAINT "system_provision_os_version_id_fkey" FOREIGN KEY ("os_version_id") REFERENCES "os_version"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_note" ADD CONSTRAINT "system_note_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_note" ADD CONSTRAINT "system_note_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_cc" ADD CONSTRAINT "system_cc_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pool" ADD CONSTRAINT "pool_owner_user_id_fkey" FOREIGN KEY ("owner_user_id") REFERENCES "user_account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pool" ADD CONSTRAINT "pool_owner_group_id_fkey" FOREIGN KEY ("owner_group_id") REFERENCES "user_group"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pool" ADD CONSTRAINT "pool_access_policy_id_fkey" FOREIGN KEY ("access_policy_id") REFERENCES "access_policy"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_pool_member" ADD CONSTRAINT "system_pool_member_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "system_pool_member" ADD CONSTRAINT "system_pool_member_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_policy_rule" ADD CONSTRAINT "access_policy_rule_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "access_policy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_policy_rule" ADD CONSTRAINT "access_policy_rule_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_policy_rule" ADD CONSTRAINT "access_policy_rule_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "user_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "command" ADD CONSTRAINT "command_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "command" ADD CONSTRAINT "command_lab_controller_id_fkey" FOREIGN KEY ("lab_controller_id") REFERENCES "lab_controller"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "command" ADD CONSTRAINT "command_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "command" ADD CONSTRAINT "command_installation_id_fkey" FOREIGN KEY ("installation_id") REFERENCES "installation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "installation" ADD CONSTRAINT "installation_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "installation" ADD CONSTRAINT "installation_recipe_id_fkey" FOREIGN KEY ("recipe_id") REFERENCES "recipe"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "installation" ADD CONSTRAINT "installation_distro_tree_id_fkey" FOREIGN KEY ("distro_tree_id") REFERENCES "distro_tree"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "activity" ADD CONSTRAINT "activity_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "user_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_submitter_id_fkey" FOREIGN KEY ("submitter_id") REFERENCES "user_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "user_group"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_retention_tag_id_fkey" FOREIGN KEY ("retention_tag_id") REFERENCES "retention_tag"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe_set" ADD CONSTRAINT "recipe_set_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe_set" ADD CONSTRAINT "recipe_set_lab_controller_id_fkey" FOREIGN KEY ("lab_controller_id") REFERENCES "lab_controller"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe" ADD CONSTRAINT "recipe_recipe_set_id_fkey" FOREIGN KEY ("recipe_set_id") REFERENCES "recipe_set"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe" ADD CONSTRAINT "recipe_host_recipe_id_fkey" FOREIGN KEY ("host_recipe_id") REFERENCES "recipe"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe" ADD CONSTRAINT "recipe_distro_tree_id_fkey" FOREIGN KEY ("distro_tree_id") REFERENCES "distro_tree"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe_resource" ADD CONSTRAINT "recipe_resource_recipe_id_fkey" FOREIGN KEY ("recipe_id") REFERENCES "recipe"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe_resource" ADD CONSTRAINT "recipe_resource_system_id_fkey" FOREIGN KEY ("system_id") REFERENCES "system"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe_resource" ADD CONSTRAINT "recipe_resource_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe_resource" ADD CONSTRAINT "recipe_resource_lab_controller_id_fkey" FOREIGN KEY ("lab_controller_id") REFERENCES "lab_controller"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe_task" ADD CONSTRAINT "recipe_task_recipe_id_fkey" FOREIGN KEY ("recipe_id") REFERENCES "recipe"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe_task_param" ADD CONSTRAINT "recipe_task_param_recipe_task_id_fkey" FOREIGN KEY ("recipe_task_id") REFERENCES "recipe_task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recipe_task_result" ADD CONSTRAINT "recipe_task_result_recipe_task_id_fkey" FOREIGN KEY ("recipe_task_id") REFERENCES "recipe_task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "log_file" ADD CONSTRAINT "log_file_recipe_id_fkey" FOREIGN KEY ("recipe_id") REFERENCES "recipe"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "log_file" ADD CONSTRAINT "log_file_recipe_task_id_fkey" FOREIGN KEY ("recipe_task_id") REFERENCES "recipe_task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "log_file" ADD CONSTRAINT "log_file_result_id_fkey" FOREIGN KEY ("result_id") REFERENCES "recipe_task_result"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "watchdog" ADD CONSTRAINT "watchdog_recipe_id_fkey" FOREIGN KEY ("recipe_id") REFERENCES "recipe"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "watchdog" ADD CONSTRAINT "watchdog_recipe_task_id_fkey" FOREIGN KEY ("recipe_task_id") REFERENCES "recipe_task"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "comment" ADD CONSTRAINT "comment_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "comment" ADD CONSTRAINT "comment_recipe_set_id_fkey" FOREIGN KEY ("recipe_set_id") REFERENCES "recipe_set"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "comment" ADD CONSTRAINT "comment_recipe_task_id_fkey" FOREIGN KEY ("recipe_task_id") REFERENCES "recipe_task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "comment" ADD CONSTRAINT "comment_result_id_fkey" FOREIGN KEY ("result_id") REFERENCES "recipe_task_result"("id") ON DELETE CASCADE ON UPDATE CASCADE;
