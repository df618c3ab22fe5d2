/** Beaker job XML: validation into a JobSpec, distro filters, and the clone/results/JUnit renderers. */
export type * from './types.js';
export { validateJobXml, parseJobXml, type ValidateOptions, type JobXmlValidation } from './validate.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, type JobXmlInput, type XmlLimits } from './guard.js';
export { closeSchemaValidator, schemaPath, warmSchemaValidator } from './rng.js';
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
export { normaliseXmlWhitespace } from './xml-text.js';
