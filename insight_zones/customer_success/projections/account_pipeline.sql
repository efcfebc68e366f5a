-- Per account: its open applications and its hires.
-- Published to the executive zone (see customer_success/zone.yaml).
SELECT
  a.account_id,
  a.name,
  a.region,
  COUNT_IF(p.stage IN ('applied', 'screen', 'interview', 'offer')) AS open_applications,
  COUNT_IF(p.stage = 'hired') AS hires
FROM customer_success_ods.accounts AS a
LEFT JOIN customer_success_ods.applications AS p
  ON p.account_id = a.account_id
GROUP BY a.account_id, a.name, a.region
