// Validates rendered Kubernetes manifests offline against the API schemas (kubernetes-models: types, enums,
// required fields), KEDA's (ScaledObject), Prometheus Operator's (PodMonitor, PrometheusRule) and the Gateway API's
// (HTTPRoute). Usage: node validate.mjs rendered.yaml
// Prints one line per object; exits 1 if any object is invalid or of a kind no model covers.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as core from "kubernetes-models";
import * as keda from "@kubernetes-models/keda";
import * as prometheus from "@kubernetes-models/prometheus-operator";
import * as gateway from "@kubernetes-models/gateway-api";

const groups = { ...core, ...keda, ...prometheus, ...gateway };

// "apps/v1" → groups.apps.v1, "v1" → groups.v1, "networking.k8s.io/v1" → groups.networkingK8sIo.v1
function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const name = group === null ? null : group.replace(/[.-]([a-z0-9])/g, (_, c) => c.toUpperCase());
  const versions = group === null ? { [version]: groups.v1 } : groups[name];
  return versions?.[version]?.[kind];
}

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs rendered.yaml");
  process.exit(2);
}
let failures = 0;
let count = 0;
for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
  if (document.errors.length > 0) {
    console.log(`INVALID YAML: ${document.errors[0].message}`);
    failures++;
    continue;
  }
  const object = document.toJS();
  if (object === null) continue;
  count++;
  const label = `${object.apiVersion}/${object.kind} ${object.metadata?.name}`;
  const Model = modelFor(object.apiVersion ?? "", object.kind ?? "");
  if (!Model) {
    console.log(`UNKNOWN ${label}`);
    failures++;
    continue;
  }
  // kustomize wraps long base64 values over lines; the API server's decoder skips the newlines, the schema's
  // "byte" format does not, so compare the value as the server reads it.
  if (object.kind === "Secret" && object.data) {
    for (const key of Object.keys(object.data)) object.data[key] = String(object.data[key]).replace(/\s+/g, "");
  }
  try {
    new Model(object).validate();
    console.log(`ok ${label}`);
  } catch (error) {
    console.log(`INVALID ${label}: ${error.message}`);
    failures++;
  }
}
console.log(`${count} objects, ${failures} errors`);
process.exit(failures === 0 && count > 0 ? 0 : 1);
