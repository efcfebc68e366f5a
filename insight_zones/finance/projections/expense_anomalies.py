"""Expense claims unusually large for their category: a robust z-score that SQL expresses badly.

Python projections declare their inputs (read by `lake validate` without running this file)
and define a pure transform over Spark DataFrames; they join the same DAG, lineage and
grants as SQL projections.
"""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

INPUTS = ["finance_ods.expenses"]
# None of the output columns comes from employee_email (PII): without this line every column
# would count as PII, since lineage cannot be traced through Python (see README, PII).
PII_COLUMNS: list[str] = []

THRESHOLD = 3.5  # modified z-score above which a claim is flagged (Iglewicz and Hoaglin)


def transform(inputs: dict[str, DataFrame]) -> DataFrame:
    claims = inputs["finance_ods.expenses"].select("expense_id", "category", "currency", "amount", "expense_date")
    by_category = Window.partitionBy("category", "currency")
    scored = claims.withColumn("median", F.percentile_approx("amount", 0.5).over(by_category))
    scored = scored.withColumn("abs_dev", F.abs(F.col("amount") - F.col("median")))
    scored = scored.withColumn("mad", F.percentile_approx("abs_dev", 0.5).over(by_category))
    score = F.when(F.col("mad") > 0, 0.6745 * F.col("abs_dev") / F.col("mad")).otherwise(F.lit(0.0))
    return (scored.withColumn("anomaly_score", F.round(score.cast("double"), 2))
            .withColumn("is_anomaly", F.col("anomaly_score") > THRESHOLD)
            .select("expense_id", "category", "currency", "amount", "expense_date", "anomaly_score", "is_anomaly"))
