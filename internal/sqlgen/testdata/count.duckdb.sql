SELECT count(*) AS count
FROM flowlogs
WHERE flowlog = 'web'
  AND "date" >= '2026-11-24'
  AND ("date" > '2026-11-24' OR "hour" >= '09')
  AND "date" <= '2026-11-25'
  AND ("date" < '2026-11-25' OR "hour" <= '00')
  AND action = 'REJECT'
  AND ((srcaddr_bin BETWEEN from_hex('00000000000000000000FFFF0A000000') AND from_hex('00000000000000000000FFFF0A01FFFF') AND srcaddr NOT LIKE '%:%') OR srcaddr_bin BETWEEN from_hex('20010DB8000000000000000000000000') AND from_hex('20010DB8FFFFFFFFFFFFFFFFFFFFFFFF'))
  AND dstport IN (22, 3389)
  AND "end" >= 1795514700
  AND start <= 1795566600
;
