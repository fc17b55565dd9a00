// Answers the questions of scripts/bench.sh with DuckDB, reading the same
// gzip flow log objects with read_csv, so the benchmark can time flowlog
// against it and check that both give the same answers.
//
//   node query.mjs THREADS QUESTION 'DIR/*.log.gz'
//
// QUESTION is reject-count (prints a number, as flowlog query --count),
// top-src or top-pair (prints the 10 groups of srcaddr, or of srcaddr and
// dstaddr, with the most bytes, as flowlog query --group-by ... -o csv), or
// groups (prints the number of groups of srcaddr and of srcaddr, dstaddr,
// counting records without addresses as a group, as flowlog does).
// The seconds the query took inside the process go to stderr.
import { DuckDBInstance } from '@duckdb/node-api';

const [threads, question, files] = process.argv.slice(2);
if (!files) {
  console.error('usage: node query.mjs THREADS reject-count|top-src|top-pair|groups GLOB');
  process.exit(2);
}

// The version-2 record; "-" is a field that does not apply (NODATA and
// SKIPDATA lines), which SQL calls NULL.
const records = `read_csv(${quote(files)}, delim = ' ', header = false, auto_detect = false,
  nullstr = '-', compression = 'gzip', columns = {
    'version': 'VARCHAR', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',
    'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER',
    'protocol': 'SMALLINT', 'packets': 'UBIGINT', 'bytes': 'UBIGINT',
    'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'})`;

// flowlog's group columns: flows, packets, bytes, first_start, last_end,
// with 0 for a sum or time of nothing.
const sums = `count(*), coalesce(sum(packets), 0), coalesce(sum(bytes), 0),
  coalesce(min(start), 0), coalesce(max("end"), 0)`;

const questions = {
  'reject-count': {
    sql: `SELECT count(*) FROM ${records} WHERE action = 'REJECT'`,
  },
  'top-src': {
    header: 'srcaddr,flows,packets,bytes,first_start,last_end',
    sql: `SELECT coalesce(srcaddr, '-'), ${sums} FROM ${records}
      GROUP BY srcaddr ORDER BY 4 DESC, 1 LIMIT 10`,
  },
  'top-pair': {
    header: 'srcaddr,dstaddr,flows,packets,bytes,first_start,last_end',
    sql: `SELECT coalesce(srcaddr, '-'), coalesce(dstaddr, '-'), ${sums} FROM ${records}
      GROUP BY srcaddr, dstaddr ORDER BY 5 DESC, 1, 2 LIMIT 10`,
  },
  groups: {
    sql: `WITH r AS (SELECT srcaddr, dstaddr FROM ${records})
      SELECT (SELECT count(*) FROM (SELECT DISTINCT srcaddr FROM r)),
        (SELECT count(*) FROM (SELECT DISTINCT srcaddr, dstaddr FROM r))`,
    separator: ' ',
  },
};
const q = questions[question];
if (!q) {
  console.error(`unknown question ${question}`);
  process.exit(2);
}

const start = process.hrtime.bigint();
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
const rows = (await connection.runAndReadAll(q.sql)).getRows();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;

const out = [];
if (q.header) {
  out.push(q.header);
}
for (const row of rows) {
  out.push(row.map(String).join(q.separator ?? ','));
}
process.stdout.write(out.join('\n') + '\n');
console.error(`duckdb ${question}: ${seconds.toFixed(3)} s in the query`);

function quote(s) {
  return `'${s.replaceAll("'", "''")}'`;
}
