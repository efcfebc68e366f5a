-- Approved spend by month, cost center, department, category and currency.
-- Published to the executive zone (see finance/zone.yaml).
SELECT
  CAST(date_trunc('month', e.expense_date) AS DATE) AS month,
  e.cost_center_id,
  COALESCE(c.department, 'unassigned') AS department,
  e.category,
  e.currency,
  SUM(e.amount) AS total_amount,
  COUNT(*) AS expense_count
FROM finance_ods.expenses AS e
LEFT JOIN finance_ods.cost_centers AS c
  ON c.cost_center_id = e.cost_center_id
WHERE e.approved
GROUP BY 1, 2, 3, 4, 5
