export { DisclosureService, type DisclosureOptions } from './disclosure.service';
export { disclosureCsv, DISCLOSURE_CSV_COLUMNS } from './disclosure-csv';
export { disclosureViolations } from './disclosure-checks';
