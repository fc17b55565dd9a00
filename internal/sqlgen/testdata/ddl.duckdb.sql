CREATE OR REPLACE VIEW flowlogs AS
SELECT * FROM read_parquet('s3://logs/flowlog-export/**/*.parquet', hive_partitioning = true, hive_types = {'flowlog': VARCHAR, 'date': VARCHAR, 'hour': VARCHAR});
