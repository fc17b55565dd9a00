SELECT count(*) AS count
FROM flowlogs
WHERE NOT coalesce(bytes > 1000000, FALSE)
  AND (coalesce(srcaddr, dstaddr) LIKE '%:%' OR ((srcaddr_bin BETWEEN X'00000000000000000000000000000000' AND X'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' AND srcaddr LIKE '%:%') OR (dstaddr_bin BETWEEN X'00000000000000000000000000000000' AND X'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' AND dstaddr LIKE '%:%')) OR dstaddr = '10.0.0.1')
  AND ("end" >= start AND "end" - start >= 300)
  AND protocol IN (6, 17)
  AND log_status = 'OK'
  AND interface_id = 'it''s \odd'
  AND FALSE
;
