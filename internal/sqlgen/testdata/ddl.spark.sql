CREATE TABLE flowlogs (
  version INT,
  account_id STRING,
  interface_id STRING,
  srcaddr STRING,
  dstaddr STRING,
  srcaddr_bin BINARY,
  dstaddr_bin BINARY,
  srcport INT,
  dstport INT,
  protocol INT,
  packets BIGINT,
  bytes BIGINT,
  start BIGINT,
  `end` BIGINT,
  action STRING,
  log_status STRING,
  flowlog STRING,
  `date` STRING,
  `hour` STRING
)
USING PARQUET
PARTITIONED BY (flowlog, `date`, `hour`)
LOCATION 's3://logs/flowlog-export/';
MSCK REPAIR TABLE flowlogs;
