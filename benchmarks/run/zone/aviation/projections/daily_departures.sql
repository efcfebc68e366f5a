-- Departures per origin and day, cancelled ones (no departure time) counted apart.
SELECT origin, CAST(date_trunc('day', time_hour) AS DATE) AS day, COUNT(*) AS scheduled,
       COUNT(dep_time) AS departed
FROM aviation_ods.flights
GROUP BY 1, 2
