WITH grouped AS (
  SELECT
    dstaddr AS k1,
    dstaddr_bin AS k1_bin,
    `end` AS k2,
    count(*) AS flows,
    coalesce(sum(packets), 0) AS packets,
    coalesce(sum(bytes), 0) AS bytes,
    min(start) AS first_start,
    max(`end`) AS last_end
  FROM flowlogs
  GROUP BY 1, 2, 3
)
SELECT
  k1 AS dstaddr,
  k2 AS `end`,
  flows, packets, bytes, first_start, last_end
FROM grouped
ORDER BY packets DESC, k1 LIKE '%:%' NULLS FIRST, k1_bin, k2 NULLS FIRST
;
