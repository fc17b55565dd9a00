SELECT srcaddr, dstaddr, `end`, action
FROM flowlogs
WHERE flowlog IN ('web', 'db')
  AND `date` >= '2026-11-24'
  AND (`date` > '2026-11-24' OR `hour` >= '09')
  AND `end` >= 1795514700
LIMIT 100
;
