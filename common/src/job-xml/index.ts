/** Beaker job XML: validation into a JobSpec, distro filters, and the clone/results/JUnit renderers. */
export type * from './types.js';
export { validateJobXml, parseJobXml, type ValidateOptions, type JobXmlValidation } from './validate.js';
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_ELEMENTS,
  type JobXmlInput,
  type XmlLimits,
} from './guard.js';
export {
  closeSchemaValidator,
  configureSchemaValidator,
  DEFAULT_SCHEMA_TIMEOUT_MS,
  schemaPath,
  warmSchemaValidator,
  type SchemaValidatorOptions,
} from './rng.js';
export { matchesDistroFilter } from './distro-filter.js';
export { renderCloneXml, type CloneJobInput } from './clone-xml.js';
export {
  renderResultsXml,
  renderRecipeResults,
  formatTime,
  formatDuration,
  type ResultsXmlOptions,
} from './results-xml.js';
export { renderJunitXml } from './junit-xml.js';
export { firstInvalidXmlChar, isXmlSafe, normaliseXmlWhitespace, stripInvalidXmlChars } from './xml-text.js';
