// The hand-written TypeScript declarations (ts/binauthz.d.ts) against the JSON Schemas of
// spec/schema/ (generated from the Rust types, spec/README.md §8.6), read with the TypeScript
// compiler's type checker: every schema property is declared, with the same optionality and
// nullability, enum values and types, recursively, and no interface declares a property the
// schema lacks. types.test.cjs checks the declarations against real values; this checks them
// against every value the schemas allow, including fields no conformance case happens to show.
//
// Outputs must match exactly: a consumer must handle every value the engine may write and no
// other. Inputs may be narrower than the schema (the declarations say what to write; the engine
// also reads null for an absent field, say), never wider: everything they allow is accepted.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

const HERE = path.resolve(__dirname, "..");
const SCHEMAS = path.join(HERE, "..", "spec", "schema");
const DTS = path.join(HERE, "ts", "binauthz.d.ts");

/** Which declaration describes each schema file, and whether it is an input or an output. */
const ROOTS = [
  { file: "decision.schema.json", types: ["Decision"], output: true },
  { file: "audit-record.schema.json", types: ["AuditRecord"], output: true },
  { file: "cache-stats.schema.json", types: ["CacheStats"], output: true },
  { file: "extracted.schema.json", types: ["ExtractedImages"], output: true },
  { file: "attestation-entries.schema.json", types: ["AttestationEntries"], output: true },
  { file: "error-report.schema.json", types: ["BinauthzError"], output: true },
  { file: "config.schema.json", types: ["Config"], output: false },
  // A request names its images or carries an object: each member of the union is a request.
  { file: "request.schema.json", types: ["ImagesRequest", "ObjectRequest"], output: false },
  { file: "test-suite.schema.json", types: ["TestSuite"], output: false },
  { file: "test-report.schema.json", types: ["TestReport"], output: true },
  { file: "platform-response.schema.json", types: ["EvaluateGkePolicyResponse"], output: true },
  { file: "cv-event.schema.json", types: ["ContinuousValidationEvent"], output: true },
];

/** Properties a declaration has beyond its schema, and why. */
const EXTRA = {
  // A JavaScript Error: its name is the class; the stack and cause are the runtime's.
  BinauthzError: ["name", "stack", "cause"],
};

/** Known differences, each with its reason; one that no longer occurs fails the test, so the
 * list stays true. Keyed by "Declaration.property: problem". */
const KNOWN = {
  // A test file's attestations are a file path or `{sign}`, and its object a file path or the
  // object: unions of a string and an object (anyOf / any value), which this comparison does not
  // walk. tests/api.test.cjs runs test files with both forms.
  "TestSuite.attestations[]: the schema's type undefined is not compared": "string | {sign}",
  "TestCase.attestations[]: the schema's type undefined is not compared": "string | {sign}",
  "TestCase.object: the schema's type undefined is not compared": "a path or an object",
};

function checker() {
  const program = ts.createProgram([DTS], { strict: true, noEmit: true, lib: ["lib.es2022.d.ts"], types: [] });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  assert.equal(diagnostics.length, 0, ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => HERE, getNewLine: () => "\n" }));
  const typeChecker = program.getTypeChecker();
  const module = typeChecker.getSymbolAtLocation(program.getSourceFile(DTS));
  const exports = new Map(typeChecker.getExportsOfModule(module).map((s) => [s.name, s]));
  return { typeChecker, exports };
}

/** Compares declarations with one schema file and collects the differences. */
class Comparison {
  constructor(typeChecker, root, output) {
    this.tc = typeChecker;
    this.root = root;
    this.output = output;
    this.problems = [];
    this.properties = 0;
    this.seen = new Set();
  }

  problem(at, text) {
    // A shared definition (Reason under images and attestors) is reported once.
    const line = `${at}: ${text}`;
    if (!this.problems.includes(line)) this.problems.push(line);
  }

  /** The schema behind `$ref`s and `anyOf: [X, {type: null}]`, and whether it allows null. */
  resolve(schema) {
    let nullable = false;
    for (;;) {
      if (schema === true) return { schema: {}, nullable: true };
      if (schema.$ref) {
        const name = schema.$ref.replace(/^#\/\$defs\//, "");
        const target = this.root.$defs?.[name];
        assert.ok(target, `unresolvable ${schema.$ref}`);
        schema = target;
        continue;
      }
      if (schema.anyOf) {
        const rest = schema.anyOf.filter((arm) => arm.type !== "null");
        if (rest.length < schema.anyOf.length) nullable = true;
        if (rest.length === 1) {
          schema = rest[0];
          continue;
        }
      }
      const types = [].concat(schema.type ?? []);
      if (types.includes("null")) nullable = true;
      return { schema, nullable };
    }
  }

  /** The string values a schema allows (`const`, `enum`, a `oneOf` of them), or null. */
  strings(schema) {
    if (typeof schema.const === "string") return [schema.const];
    if (Array.isArray(schema.enum)) return schema.enum;
    if (Array.isArray(schema.oneOf)) {
      const arms = schema.oneOf.map((arm) => this.strings(this.resolve(arm).schema));
      return arms.every(Boolean) ? arms.flat() : null;
    }
    return null;
  }

  /** The members of a TypeScript type, without undefined (an optional property's). */
  members(type) {
    const all = type.isUnion() ? type.types : [type];
    return all.filter((t) => !(t.flags & ts.TypeFlags.Undefined));
  }

  /** Compares one declared type with one schema at `at`. */
  value(schema, type, at) {
    const { schema: s, nullable } = this.resolve(schema);
    let members = this.members(type);
    if (members.length === 1 && members[0].flags & ts.TypeFlags.Never) return; // excluded here
    const hasNull = members.some((t) => t.flags & ts.TypeFlags.Null);
    members = members.filter((t) => !(t.flags & ts.TypeFlags.Null));
    if (hasNull && !nullable) this.problem(at, "null in TypeScript, not in the schema");
    if (!hasNull && nullable && this.output) this.problem(at, "the schema allows null, TypeScript does not");
    const tc = this.tc;
    const strings = this.strings(s);
    const types = [].concat(s.type ?? []).filter((t) => t !== "null");
    const literal = (t) => t.isStringLiteral();
    if (strings) {
      if (!members.every(literal)) {
        // A plain `string` for a closed set of values: looser than the schema.
        if (members.some((t) => t.flags & ts.TypeFlags.String) && this.output) {
          this.problem(at, `string in TypeScript, one of ${JSON.stringify(strings)} in the schema`);
        } else if (!members.some((t) => t.flags & ts.TypeFlags.String)) {
          this.problem(at, `${tc.typeToString(type)} in TypeScript, one of ${JSON.stringify(strings)} in the schema`);
        }
        return;
      }
      const declared = members.map((t) => t.value).sort();
      const allowed = [...strings].sort();
      const missing = allowed.filter((v) => !declared.includes(v));
      const extra = declared.filter((v) => !allowed.includes(v));
      if (extra.length) this.problem(at, `TypeScript allows ${JSON.stringify(extra)}, the schema does not`);
      if (missing.length && this.output) this.problem(at, `the schema allows ${JSON.stringify(missing)}, TypeScript does not`);
      return;
    }
    const kind = types.length === 1 ? types[0] : s.properties ? "object" : null;
    if (kind === null) {
      this.problem(at, `the schema's type ${JSON.stringify(s.type)} is not compared`);
      return;
    }
    const is = {
      string: (t) => t.flags & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral),
      boolean: (t) => t.flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral),
      integer: (t) => t.flags & ts.TypeFlags.Number,
      number: (t) => t.flags & ts.TypeFlags.Number,
      array: (t) => tc.isArrayType(t),
      object: (t) => t.flags & ts.TypeFlags.Object && !tc.isArrayType(t),
    }[kind];
    // A single value given for a list of one (`Occurrence | Occurrence[]`) is a wider input.
    const wrong = members.filter((t) => !is(t));
    if (wrong.length) {
      this.problem(at, `${wrong.map((t) => tc.typeToString(t)).join(" | ")} in TypeScript, ${kind} in the schema`);
    }
    for (const t of members.filter(is)) {
      if (kind === "array") this.value(s.items ?? true, tc.getTypeArguments(t)[0], `${at}[]`);
      if (kind === "object") this.object(s, t, at);
    }
  }

  /** Compares an object type's properties with an object schema's, both ways. */
  object(schema, type, at) {
    const properties = schema.properties;
    const declared = this.tc.getPropertiesOfType(type);
    if (!properties) {
      // A document whose grammar is GCP's or Kubernetes' (spec §2, §5, §10, §13), or a map.
      if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
        const index = this.tc.getIndexInfosOfType(type)[0];
        if (!index) this.problem(at, "a map in the schema, not an index signature in TypeScript");
        else this.value(schema.additionalProperties, index.type, `${at}[*]`);
      }
      return;
    }
    const key = `${this.tc.typeToString(type)}@${at}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const name = type.aliasSymbol?.name ?? type.symbol?.name ?? this.tc.typeToString(type);
    const label = name === "__type" ? at : name;
    const required = new Set(schema.required ?? []);
    for (const [prop, sub] of Object.entries(properties)) {
      const symbol = declared.find((p) => p.name === prop);
      if (!symbol) {
        this.problem(`${label}.${prop}`, "in the schema, not in TypeScript");
        continue;
      }
      this.properties += 1;
      const optional = Boolean(symbol.flags & ts.SymbolFlags.Optional);
      const propType = this.tc.getTypeOfSymbol(symbol);
      const never = this.members(propType).every((t) => t.flags & ts.TypeFlags.Never);
      if (never) continue; // `images?: never`: this member of a union leaves the field out
      if (optional && required.has(prop)) this.problem(`${label}.${prop}`, "optional in TypeScript, required by the schema");
      // An input declaration may require what the engine lets be left out (a member of a union
      // requires its own alternative); an output's must say what may be missing.
      if (!optional && !required.has(prop) && this.output) this.problem(`${label}.${prop}`, "required in TypeScript, optional in the schema");
      this.value(sub, propType, `${label}.${prop}`);
    }
    const extra = new Set(EXTRA[name] ?? []);
    for (const symbol of declared) {
      if (!(symbol.name in properties) && !extra.has(symbol.name)) {
        this.problem(`${label}.${symbol.name}`, "in TypeScript, not in the schema");
      }
    }
  }
}

test("the TypeScript declarations agree with spec/schema/", (t) => {
  const { typeChecker, exports } = checker();
  const files = fs.readdirSync(SCHEMAS).filter((f) => f.endsWith(".schema.json")).sort();
  assert.deepEqual(files, ROOTS.map((r) => r.file).sort(), "every schema file is checked against a declaration");
  const problems = [];
  const counts = [];
  for (const { file, types, output } of ROOTS) {
    const root = JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), "utf8"));
    for (const name of types) {
      const symbol = exports.get(name);
      assert.ok(symbol, `ts/binauthz.d.ts exports no ${name}`);
      const comparison = new Comparison(typeChecker, root, output);
      comparison.object(root, typeChecker.getDeclaredTypeOfSymbol(symbol), name);
      assert.ok(comparison.properties >= 2, `${file}: only ${comparison.properties} properties compared with ${name}`);
      counts.push(`${name} ${comparison.properties}`);
      problems.push(...comparison.problems.map((p) => `${file}: ${p}`));
    }
  }
  const unexplained = problems.filter((p) => !Object.keys(KNOWN).some((k) => p.endsWith(k)));
  const stale = Object.keys(KNOWN).filter((k) => !problems.some((p) => p.endsWith(k)));
  assert.deepEqual(unexplained, [], "the declarations differ from the schemas (fix ts/binauthz.d.ts, or the Rust types and then spec/schema/)");
  assert.deepEqual(stale, [], "these known differences are gone: remove them from KNOWN in tests/schema.test.cjs");
  t.diagnostic(`properties compared: ${counts.join(", ")}`);
});

test("the comparison finds drift", () => {
  const { typeChecker, exports } = checker();
  const root = JSON.parse(fs.readFileSync(path.join(SCHEMAS, "decision.schema.json"), "utf8"));
  // The Reason schema against other declarations: missing, extra, wrongly optional, wrongly typed.
  const reason = root.$defs.Reason;
  const problems = (name, schema, output = true) => {
    const c = new Comparison(typeChecker, root, output);
    c.object(schema, typeChecker.getDeclaredTypeOfSymbol(exports.get(name)), name);
    return c.problems.join("\n");
  };
  const againstVerifiedBy = problems("VerifiedBy", reason);
  assert.match(againstVerifiedBy, /VerifiedBy\.kind: in the schema, not in TypeScript/);
  assert.match(againstVerifiedBy, /VerifiedBy\.keyId: required in TypeScript, optional in the schema/);
  const againstAuditVerification = problems("AuditVerification", root.$defs.VerifiedBy);
  assert.match(againstAuditVerification, /AuditVerification\.attestor: in TypeScript, not in the schema/);
  // Verdict values against the stage's schema.
  const wrongEnum = { type: "object", properties: { verdict: root.$defs.ImageDecision.properties.stage }, required: ["verdict"] };
  assert.match(problems("AuditImage", wrongEnum), /AuditImage\.verdict: TypeScript allows .*"ALLOWED"/);
  // A nullable field declared without null, and a number declared for a string.
  const wrongNull = { type: "object", properties: { image: { type: ["string", "null"] }, digest: { type: "integer" } }, required: ["image", "digest"] };
  const nulls = problems("AuditImage", wrongNull);
  assert.match(nulls, /AuditImage\.image: the schema allows null/);
  assert.match(nulls, /AuditImage\.digest: .*string.* in TypeScript, integer in the schema/);
});
