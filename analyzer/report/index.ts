// Report writers over the state stages' AnalysisReport: JSON (+ schema), text tables, SARIF.
export { reportSchema, validateReport, reportToJson } from './json.js';
export { formatReport, formatTable3, formatTimings, formatVariables, formatReasons, table, table3Row } from './text.js';
export { toSarif } from './sarif.js';
