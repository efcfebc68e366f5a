-- Company spend per department and currency, from finance's published summary.
SELECT
  department,
  currency,
  SUM(total_amount) AS total_amount,
  SUM(expense_count) AS expense_count
FROM finance_analytics.expense_summary
GROUP BY department, currency
