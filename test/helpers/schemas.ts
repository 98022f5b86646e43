// The SARIF and JUnit schemas (test/fixtures/schemas/README.md says where
// they come from), as validators that fail with every error they find.
import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { validateXML } from 'xmllint-wasm';

const dir = new URL('../fixtures/schemas/', import.meta.url);

// The OASIS schema is draft-04; ajv needs strict: false for its unknown keywords,
// and ajv-formats so that "uri", "uri-reference" and "date-time" are checked, not skipped.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const sarif = ajv.compile(JSON.parse(readFileSync(new URL('sarif-schema-2.1.0.json', dir), 'utf8')));

/** The errors of a SARIF log against the SARIF 2.1.0 schema: [] when it is valid. */
export function sarifErrors(log: unknown): string[] {
  return sarif(log) ? [] : (sarif.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

const JUNIT_XSD = readFileSync(new URL('jenkins-junit.xsd', dir), 'utf8');

/** The errors of a JUnit XML document against Jenkins' junit.xsd (well-formedness first): [] when it is valid. */
export async function junitErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: JUNIT_XSD }] });
  return r.valid ? [] : r.errors.map((e) => e.rawMessage);
}
