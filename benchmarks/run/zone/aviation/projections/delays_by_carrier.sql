-- Mean delays and flight counts per carrier and month.
SELECT carrier, month, COUNT(*) AS flights, AVG(dep_delay) AS mean_dep_delay, AVG(arr_delay) AS mean_arr_delay
FROM aviation_ods.flights
GROUP BY carrier, month
