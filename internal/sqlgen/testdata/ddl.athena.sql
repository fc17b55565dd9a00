CREATE EXTERNAL TABLE flowlogs (
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
  log_status STRING
)
PARTITIONED BY (flowlog STRING, `date` STRING, `hour` STRING)
STORED AS PARQUET
LOCATION 's3://logs/flowlog-export/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.flowlog.type' = 'injected',
  'projection.date.type' = 'date',
  'projection.date.format' = 'yyyy-MM-dd',
  'projection.date.range' = '2020-01-01,NOW',
  'projection.date.interval' = '1',
  'projection.date.interval.unit' = 'DAYS',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://logs/flowlog-export/flowlog=${flowlog}/date=${date}/hour=${hour}/'
);
