-- Hiring activity per sales region, from customer success's published pipeline.
SELECT
  region,
  COUNT(*) AS accounts,
  SUM(open_applications) AS open_applications,
  SUM(hires) AS hires
FROM customer_success_analytics.account_pipeline
GROUP BY region
