CREATE TABLE flowlogs (
  version integer,
  account_id varchar,
  interface_id varchar,
  srcaddr varchar,
  dstaddr varchar,
  srcaddr_bin varbinary,
  dstaddr_bin varbinary,
  srcport integer,
  dstport integer,
  protocol integer,
  packets bigint,
  bytes bigint,
  start bigint,
  "end" bigint,
  action varchar,
  log_status varchar,
  flowlog varchar,
  "date" varchar,
  "hour" varchar
)
WITH (
  external_location = 's3://logs/flowlog-export/',
  format = 'PARQUET',
  partitioned_by = ARRAY['flowlog', 'date', 'hour']
);
-- 'default': the schema the table is in
CALL system.sync_partition_metadata(schema_name => 'default', table_name => 'flowlogs', mode => 'FULL');
