// Reads [{name, text, params: [..names..]}] as JSON on stdin and prints, for each
// statement, the diagnostics of Neo4j's own parser and semantic analysis.
const { lintCypherQuery } = require('@neo4j-cypher/language-support');

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const { schema, statements } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const out = statements.map((s) => {
    const parameters = Object.fromEntries((s.params || []).map((p) => [p, null]));
    const result = lintCypherQuery(s.text, { ...schema, parameters });
    return {
      name: s.name,
      diagnostics: result.diagnostics.map((d) => ({ severity: d.severity, message: d.message })),
    };
  });
  process.stdout.write(JSON.stringify(out));
});
