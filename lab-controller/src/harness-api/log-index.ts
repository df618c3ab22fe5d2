/** The index of one owner's logs, as Beaker's proxy offers it: an HTML page or an Atom feed. */
export function renderLogIndex(
  files: readonly { name: string; size: number }[],
  url: string,
  format: 'html' | 'atom',
  now = new Date(),
): string {
  if (format === 'html') {
    const items = files.map(
      (f) =>
        `<li><a href="${escapeXml(url + encodePath(f.name))}">${escapeXml(f.name)}</a> (${f.size} bytes)</li>`,
    );
    return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Logs</title></head><body><ul>\n${items.join('\n')}\n</ul></body></html>\n`;
  }
  const entries = files.map(
    (f) =>
      `<entry><id>${escapeXml(url + encodePath(f.name))}</id><title>${escapeXml(f.name)}</title>` +
      `<updated>${now.toISOString()}</updated><link rel="alternate" href="${escapeXml(url + encodePath(f.name))}"/></entry>`,
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `<id>${escapeXml(url)}</id><title>Logs</title><updated>${now.toISOString()}</updated>`,
    `<link rel="self" href="${escapeXml(url)}"/>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}

const encodePath = (name: string) => name.split('/').map(encodeURIComponent).join('/');

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
