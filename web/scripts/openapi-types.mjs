// Prints the TypeScript types of the REST API document read on stdin
// (GET /api/openapi.json, OpenAPI 3.1) with openapi-typescript. Run by the
// Go test that keeps src/generated/openapi.ts current:
// `go generate ./internal/server` rewrites it.
import openapiTS, { astToString } from "openapi-typescript";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const doc = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const ast = await openapiTS(doc, { silent: true });
process.stdout.write(
  "// Code generated from internal/server's API document by `go generate ./internal/server`; DO NOT EDIT.\n\n" + astToString(ast),
);
