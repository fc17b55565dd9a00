WITH grouped AS (
  SELECT
    CASE WHEN srcaddr LIKE '%:%' THEN '6' || substr(to_hex(srcaddr_bin), 1, 15) || translate(substr(to_hex(srcaddr_bin), 16, 1), '0123456789ABCDEF', '0000000088888888') || '0000000000000000' WHEN srcaddr IS NOT NULL THEN '4' || substr(to_hex(srcaddr_bin), 1, 29) || translate(substr(to_hex(srcaddr_bin), 30, 1), '0123456789ABCDEF', '000044448888CCCC') || '00' END AS k1,
    dstport AS k2,
    log_status AS k3,
    interface_id AS k4,
    count(*) AS flows,
    coalesce(sum(packets), 0) AS packets,
    coalesce(sum(bytes), 0) AS bytes,
    min(start) AS first_start,
    max("end") AS last_end
  FROM flowlogs
  WHERE "date" <= '2026-11-25'
    AND ("date" < '2026-11-25' OR "hour" <= '00')
    AND start <= 1795566600
  GROUP BY 1, 2, 3, 4
  ORDER BY coalesce(sum(bytes), 0) DESC, k1 NULLS FIRST, k2 NULLS FIRST, CASE k3 WHEN 'OK' THEN 1 WHEN 'NODATA' THEN 2 WHEN 'SKIPDATA' THEN 3 END NULLS FIRST, length(k4) NULLS FIRST, k4
  LIMIT 10
),
named AS (
  SELECT *,
    coalesce(nullif(trim(LEADING '0' FROM lower(substr(k1, 2, 4))), ''), '0') || ':' || coalesce(nullif(trim(LEADING '0' FROM lower(substr(k1, 6, 4))), ''), '0') || ':' || coalesce(nullif(trim(LEADING '0' FROM lower(substr(k1, 10, 4))), ''), '0') || ':' || coalesce(nullif(trim(LEADING '0' FROM lower(substr(k1, 14, 4))), ''), '0') || ':' || coalesce(nullif(trim(LEADING '0' FROM lower(substr(k1, 18, 4))), ''), '0') || ':' || coalesce(nullif(trim(LEADING '0' FROM lower(substr(k1, 22, 4))), ''), '0') || ':' || coalesce(nullif(trim(LEADING '0' FROM lower(substr(k1, 26, 4))), ''), '0') || ':' || coalesce(nullif(trim(LEADING '0' FROM lower(substr(k1, 30, 4))), ''), '0') AS k1_s
  FROM grouped
)
SELECT
  CASE WHEN k1 LIKE '4%' THEN CAST(from_base(substr(k1, 26, 2), 16) AS varchar) || '.' || CAST(from_base(substr(k1, 28, 2), 16) AS varchar) || '.' || CAST(from_base(substr(k1, 30, 2), 16) AS varchar) || '.' || CAST(from_base(substr(k1, 32, 2), 16) AS varchar) || '/22'
    WHEN k1 LIKE '6%' THEN CASE WHEN regexp_like(k1_s, '(?:^|:)0(?::0){7}(?::|$)') THEN regexp_replace(k1_s, '^(.*?)(?:^|:)0(?::0){7}(?::|$)(.*)$', '$1::$2')
    WHEN regexp_like(k1_s, '(?:^|:)0(?::0){6}(?::|$)') THEN regexp_replace(k1_s, '^(.*?)(?:^|:)0(?::0){6}(?::|$)(.*)$', '$1::$2')
    WHEN regexp_like(k1_s, '(?:^|:)0(?::0){5}(?::|$)') THEN regexp_replace(k1_s, '^(.*?)(?:^|:)0(?::0){5}(?::|$)(.*)$', '$1::$2')
    WHEN regexp_like(k1_s, '(?:^|:)0(?::0){4}(?::|$)') THEN regexp_replace(k1_s, '^(.*?)(?:^|:)0(?::0){4}(?::|$)(.*)$', '$1::$2')
    WHEN regexp_like(k1_s, '(?:^|:)0(?::0){3}(?::|$)') THEN regexp_replace(k1_s, '^(.*?)(?:^|:)0(?::0){3}(?::|$)(.*)$', '$1::$2')
    WHEN regexp_like(k1_s, '(?:^|:)0(?::0){2}(?::|$)') THEN regexp_replace(k1_s, '^(.*?)(?:^|:)0(?::0){2}(?::|$)(.*)$', '$1::$2')
    WHEN regexp_like(k1_s, '(?:^|:)0(?::0){1}(?::|$)') THEN regexp_replace(k1_s, '^(.*?)(?:^|:)0(?::0){1}(?::|$)(.*)$', '$1::$2')
    ELSE k1_s END || '/61' END AS "srcaddr/22/61",
  k2 AS dstport,
  k3 AS log_status,
  k4 AS interface_id,
  flows, packets, bytes, first_start, last_end
FROM named
ORDER BY bytes DESC, k1 NULLS FIRST, k2 NULLS FIRST, CASE k3 WHEN 'OK' THEN 1 WHEN 'NODATA' THEN 2 WHEN 'SKIPDATA' THEN 3 END NULLS FIRST, length(k4) NULLS FIRST, k4
;
