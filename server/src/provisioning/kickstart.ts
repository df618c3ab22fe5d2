/**
 * The kickstart an installer tree installs from (reference/beaker.md §5.1, §6.1): Erlen's own
 * template, not Beaker's Jinja2 one. It installs the tree, then Node and the harness bundle
 * from the lab controller (docs/harness.md), and reports to the lab controller as Beaker's
 * snippets do: install_start in %pre, install_done, nopxe and postinstall_done in %post,
 * install_fail on error. A recipe's own `<kickstart>` replaces the install commands and
 * packages; Erlen's sections are still appended (Beaker's wrapping without
 * `no_ks_template`), and `<ks_appends>` come last.
 */
import { layerKernelOptions, type KernelOptions } from '../../../common/src/domain/kernel-options.js';

export interface KickstartInput {
  recipeId: number;
  fqdn: string;
  /** Where the lab serves the tree (the installer's `url`). */
  treeUrl: string;
  /** ks_meta layered tree → recipe (`k`, `k=v`, `!k`). */
  ksMeta: string[];
  packages: readonly string[];
  repos: readonly { name: string; url: string }[];
  ksAppends: readonly string[];
  /** The recipe's `<kickstart>` text, if it has one. */
  custom: string | null;
  /** The lab controller's harness API as the installed system reaches it, ending in '/'. */
  harnessUrl: string;
}

/** ks_meta variables this template reads; documented in docs/harness.md. */
function meta(ksMeta: KernelOptions, key: string): string | null | undefined {
  const values = ksMeta.get(key);
  return values === undefined ? undefined : (values.at(-1) ?? null);
}

export function renderKickstart(input: KickstartInput): string {
  const ksMeta = layerKernelOptions(...input.ksMeta);
  const lc = input.harnessUrl;
  const checkIn = (path: string) => `curl -fsS --retry 5 -o /dev/null '${lc}${path}' || true`;
  const harness = meta(ksMeta, 'harness') !== 'none';
  const sections: string[] = [
    `# Kickstart for R:${String(input.recipeId)} on ${input.fqdn}, rendered by Erlen`,
  ];
  sections.push(input.custom?.trim() ?? installCommands(input, ksMeta));
  sections.push(
    lines('%pre --log=/tmp/erlen-pre.log', checkIn(`install_start/${String(input.recipeId)}`), '%end'),
  );
  sections.push(
    lines(
      '%post --log=/root/erlen-post.log',
      ...(harness ? harnessInstall(input) : []),
      checkIn(`install_done/${String(input.recipeId)}/${input.fqdn}`),
      // Boot from the disk from now on (Beaker's clear_netboot snippet).
      checkIn(`nopxe/${input.fqdn}`),
      checkIn(`postinstall_done/${String(input.recipeId)}`),
      '%end',
    ),
  );
  sections.push(lines('%onerror', checkIn(`install_fail/${String(input.recipeId)}/`), '%end'));
  sections.push(...input.ksAppends.map((append) => append.trim()));
  return `${sections.join('\n\n')}\n`;
}

function installCommands(input: KickstartInput, ksMeta: KernelOptions): string {
  const password = meta(ksMeta, 'password');
  return lines(
    `url --url=${input.treeUrl}`,
    ...input.repos.map((repo) => `repo --name=${repo.name} --baseurl=${repo.url}`),
    'text',
    'lang en_US.UTF-8',
    'keyboard us',
    'timezone --utc UTC',
    `network --bootproto=dhcp --hostname=${input.fqdn}`,
    password ? `rootpw --iscrypted ${password}` : 'rootpw --lock',
    'zerombr',
    'clearpart --all --initlabel',
    'autopart',
    'bootloader --location=mbr',
    'reboot',
    '',
    '%packages --ignoremissing',
    '@core',
    'curl',
    'nodejs',
    ...input.packages,
    '%end',
  );
}

/** Node runs the one-file harness as a systemd service at every boot until the recipe ends. */
function harnessInstall(input: KickstartInput): string[] {
  const config = JSON.stringify({ recipeId: input.recipeId, labControllerUrl: input.harnessUrl });
  return [
    'mkdir -p /opt/erlen /etc/erlen',
    `curl -fsS --retry 5 -o /opt/erlen/erlen-harness.mjs '${input.harnessUrl}harness/erlen-harness.mjs'`,
    `cat > /etc/erlen/harness.json <<'ERLEN_EOF'`,
    config,
    'ERLEN_EOF',
    `cat > /etc/systemd/system/erlen-harness.service <<'ERLEN_EOF'`,
    '[Unit]',
    'Description=Erlen test harness',
    'Wants=network-online.target',
    'After=network-online.target',
    '[Service]',
    'ExecStart=/usr/bin/node /opt/erlen/erlen-harness.mjs --config /etc/erlen/harness.json',
    'StandardOutput=journal+console',
    '[Install]',
    'WantedBy=multi-user.target',
    'ERLEN_EOF',
    'systemctl enable erlen-harness.service',
  ];
}

const lines = (...parts: string[]) => parts.join('\n');
