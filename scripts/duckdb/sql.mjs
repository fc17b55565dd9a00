// Runs SQL files, one after the other, in one DuckDB, and prints the result
// of the last statement of each as CSV: a header of the column names, then
// one line a row, NULL as an empty field, as flowlog query -o csv prints.
// With more than one file, each result follows a line "==> FILE <==". The
// seconds each file took go to standard error. The
// tests use it to run the SQL that flowlog prints (export --ddl, query --sql).
//
//   node sql.mjs FILE...
//
// @duckdb/node-api is found in $FLOWLOG_DUCKDB (where
// scripts/install-duckdb.sh installed it), or beside this script.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node sql.mjs FILE...');
  process.exit(2);
}
const dir = process.env.FLOWLOG_DUCKDB || path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(dir, 'package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const out = [];
for (const file of files) {
  let reader;
  const start = process.hrtime.bigint();
  try {
    const statements = await connection.extractStatements(readFileSync(file, 'utf8'));
    for (let i = 0; i < statements.count; i++) {
      const prepared = await statements.prepare(i);
      reader = await prepared.runAndReadAll();
    }
  } catch (err) {
    console.error(`${file}: ${err.message}`);
    process.exit(1);
  }
  console.error(`${file}: ${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(3)} s`);
  if (files.length > 1) {
    out.push(`==> ${file} <==`);
  }
  if (reader) {
    out.push(reader.columnNames().map(csv).join(','));
    for (const row of reader.getRows()) {
      out.push(row.map((v) => (v === null ? '' : csv(String(v)))).join(','));
    }
  }
}
process.stdout.write(out.join('\n') + '\n');

function csv(s) {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
