// Validates Strimzi custom resources against the schemas of Strimzi's CRDs,
// as compiled by the @kubernetes-models/strimzi-kafka-operator package
// (installed by scripts/helm.sh strimzi).
//   node validate_strimzi.mjs <package folder>  < [resource, ...] (JSON)
// Prints [{kind, name, errors}] (JSON); errors is empty for a valid resource.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [packageDir] = process.argv.slice(2);
const resources = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const resource of resources) {
  const [group, version] = resource.apiVersion.split("/");
  const module = await import(pathToFileURL(`${packageDir}/${group}/${version}/index.js`).href);
  const Model = module[resource.kind];
  const name = resource.metadata?.name;
  if (!Model) {
    results.push({ kind: resource.kind, name, errors: [`no schema for ${resource.apiVersion} ${resource.kind}`] });
    continue;
  }
  try {
    new Model(resource).validate();
    results.push({ kind: resource.kind, name, errors: [] });
  } catch (error) {
    const details = (error.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    results.push({ kind: resource.kind, name, errors: details.length ? details : [String(error)] });
  }
}
process.stdout.write(JSON.stringify(results));
