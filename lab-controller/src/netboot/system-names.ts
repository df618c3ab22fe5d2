import { isIPv4 } from 'node:net';
import { ErlenError } from '../../../common/src/errors.js';

export interface NetbootSystem {
  fqdn: string;
  macAddress?: string | null;
  /** IPv4: boot loaders look their files up by it in hex. */
  ipAddress?: string | null;
}

/** What a system's netboot files are named after. */
export interface SystemNames {
  fqdn: string;
  /** Upper-case hex IPv4 ("C0A8010A"), PXELINUX's convention. */
  hexIp?: string;
  /** Lower-case, colon-separated ("52:54:00:12:34:56"). */
  mac?: string;
}

/** "192.168.1.10" -> "C0A8010A". */
export function hexIp(ip: string): string {
  if (!isIPv4(ip)) throw new ErlenError('BAD_REQUEST', `"${ip}" is not an IPv4 address`);
  return ip
    .split('.')
    .map((octet) => Number(octet).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

/** Accepts colons, dashes or nothing between the octets, in either case. */
export function normaliseMac(mac: string): string {
  const hex = mac.trim().toLowerCase();
  if (!/^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/.test(hex))
    throw new ErlenError('BAD_REQUEST', `"${mac}" is not a MAC address`);
  return hex.replace(/[:-]/g, '').replace(/(..)(?!$)/g, '$1:');
}

/**
 * The fqdn becomes a directory name under the TFTP root (and `clearNetboot` removes that
 * directory), so anything that could leave `images/` is refused.
 */
export function assertSafeFqdn(fqdn: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(fqdn))
    throw new ErlenError(
      'BAD_REQUEST',
      `"${fqdn}" cannot name netboot files: only letters, digits, dots and dashes`,
    );
}

/** Names for writing files: a system must be findable by MAC or IP, and both must be valid. */
export function namesForConfigure(system: NetbootSystem): SystemNames {
  assertSafeFqdn(system.fqdn);
  const names: SystemNames = { fqdn: system.fqdn };
  if (system.ipAddress) names.hexIp = hexIp(system.ipAddress);
  if (system.macAddress) names.mac = normaliseMac(system.macAddress);
  if (!names.hexIp && !names.mac)
    throw new ErlenError(
      'BAD_REQUEST',
      `${system.fqdn} has neither a MAC nor an IP address, so it cannot be netbooted`,
    );
  return names;
}

/**
 * Names for removing files. Forgiving: an address that is missing or malformed now names no
 * file that configuring could have written, and a failed clear would mark the system Broken.
 */
export function namesForClear(system: NetbootSystem): SystemNames {
  assertSafeFqdn(system.fqdn);
  const names: SystemNames = { fqdn: system.fqdn };
  if (system.ipAddress && isIPv4(system.ipAddress)) names.hexIp = hexIp(system.ipAddress);
  try {
    if (system.macAddress) names.mac = normaliseMac(system.macAddress);
  } catch {
    // malformed: nothing was written under it
  }
  return names;
}
