/**
 * The validation pipeline for submitted job XML: hardening checks, well-formedness, the
 * RELAX NG schema, then Beaker's semantic rules; finally the JobSpec.
 */
import { ErlenError, isErlenError } from '../errors.js';
import type { JobSpec, XmlIssue } from './types.js';
import { assertNotHostile, decodeJobXml, type JobXmlInput, type XmlLimits } from './guard.js';
import { validateAgainstSchema } from './rng.js';
import { checkJobSemantics } from './semantic.js';
import { buildJobSpec } from './spec-builder.js';
import { checkWellFormed, parseTree } from './xml-tree.js';

export interface ValidateOptions extends XmlLimits {
  /** Skip the RELAX NG pass (semantic checks only). For tools that cannot start a worker thread. */
  skipSchema?: boolean;
}

export type JobXmlValidation =
  { ok: true; job: JobSpec; warnings: XmlIssue[] } | { ok: false; errors: XmlIssue[] };

/**
 * Validates job XML and builds its JobSpec. Invalid documents resolve to `{ ok: false }` with
 * every problem found (a document whose schema validation takes too long is invalid too);
 * hostile input (DTDs, too deep, too many elements) rejects with HOSTILE_XML, oversized input
 * with PAYLOAD_TOO_LARGE.
 */
export async function validateJobXml(
  input: JobXmlInput,
  options: ValidateOptions = {},
): Promise<JobXmlValidation> {
  const decoded = decodeJobXml(input, options);
  if ('issues' in decoded) return { ok: false, errors: decoded.issues };
  const { text } = decoded;
  assertNotHostile(text, options);

  if (text.trim() === '') return { ok: false, errors: [{ line: 1, message: 'the document is empty' }] };
  const malformed = checkWellFormed(text);
  if (malformed) return { ok: false, errors: [malformed] };

  // Started first so the worker runs while this thread does the semantic pass.
  const schemaIssues = options.skipSchema
    ? Promise.resolve([])
    : validateAgainstSchema(text).catch(schemaRefusal);
  schemaIssues.catch(() => undefined);
  const doc = parseTree(text);
  const semantic = checkJobSemantics(doc.root);
  const errors = mergeIssues(semantic.errors, await schemaIssues);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, job: buildJobSpec(doc), warnings: sortIssues(semantic.warnings) };
}

/** A document the schema validator gave up on (it took too long) is invalid, with that issue. */
function schemaRefusal(error: unknown): XmlIssue[] {
  if (isErlenError(error) && error.code === 'INVALID_JOB_XML' && Array.isArray(error.details))
    return error.details as XmlIssue[];
  throw error;
}

/** Like validateJobXml, but throws INVALID_JOB_XML (400, details: XmlIssue[]) when invalid. */
export async function parseJobXml(input: JobXmlInput, options: ValidateOptions = {}): Promise<JobSpec> {
  const result = await validateJobXml(input, options);
  if (!result.ok) throw new ErlenError('INVALID_JOB_XML', summarise(result.errors), 400, result.errors);
  return result.job;
}

export function summarise(errors: readonly XmlIssue[]): string {
  const first = errors[0];
  if (!first) return 'invalid job XML';
  const where = first.line !== undefined ? `line ${first.line}: ` : '';
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  return `invalid job XML: ${where}${first.message}${more}`;
}

// libxml2 follows each real schema error with failures of every enclosing element; those
// say nothing new, so they are shown only when nothing more specific was found.
const CASCADE = [
  /failed to validate content$/,
  /^Invalid sequence in interleave$/,
  /^Extra element \S+ in interleave$/,
  /^Expecting an element , got nothing$/,
];
const isCascade = (issue: XmlIssue) =>
  CASCADE.some((pattern) => pattern.test(issue.message.replace(/^<[^>]+>: /, '')));

/**
 * Semantic errors first-class; schema errors added unless they are cascades or sit on a line
 * a semantic error already explains (the semantic message is the precise one).
 */
function mergeIssues(semantic: readonly XmlIssue[], schema: readonly XmlIssue[]): XmlIssue[] {
  const specific = schema.filter((issue) => !isCascade(issue));
  const lines = new Set(semantic.map((issue) => issue.line));
  const fromSchema = (specific.length > 0 || semantic.length > 0 ? specific : schema).filter(
    (issue) => issue.line === undefined || !lines.has(issue.line),
  );
  const seen = new Set<string>();
  const merged: XmlIssue[] = [];
  for (const issue of [...semantic, ...fromSchema]) {
    const key = `${issue.line}:${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      merged.push(issue);
    }
  }
  return sortIssues(merged);
}

function sortIssues(issues: XmlIssue[]): XmlIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.index - b.index)
    .map(({ issue }) => issue);
}
