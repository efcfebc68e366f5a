-- Routes by number of flights, with their distance and share of late arrivals.
SELECT origin, dest, COUNT(*) AS flights, MAX(distance) AS distance,
       SUM(CASE WHEN arr_delay > 15 THEN 1 ELSE 0 END) AS late_arrivals
FROM aviation_ods.flights
GROUP BY origin, dest
