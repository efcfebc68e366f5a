"""Promotions of one table, serialized and coalesced: a burst of staged files starts a handful of
``to_ods`` runs, not one per file.

Every staged object starts an execution. Each one waits until the ledger says its ingest is
staged (the object is written just before the ledger is), then:

- its ingest is already promoted (an earlier run took it): done, no Glue run;
- it adds one to the table's ``requests`` on the item ``promotion#<zone>#<dataset>`` of the
  ledger table and becomes the table's runner if there is none; otherwise it ends ("coalesced"):
  the runner promotes its file;
- the runner copies ``requests`` to ``seen``, runs ``to_ods`` (which promotes every pending staged
  ingest of the table, and exits cleanly when there is none), and releases the table only if no
  request came meanwhile (``requests = seen``); if one did, it runs again. A request counted
  before ``seen`` was copied belongs to a file the ledger already showed as staged, which that run
  promotes; one counted after fails the release, so the runner runs once more. No file waits for
  an event that will not come.
- after ``MAX_ROUNDS`` rounds (files arriving faster than a run) the runner hands over to a fresh
  execution (its input plus ``handover``, which skips the ledger check), so no execution nears its
  time limit; a failed run releases the table and alerts.

Runs of different tables still meet at the zone's writer lock, held by the job while it commits.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

MAX_ROUNDS = 10
LEDGER_WAITS = 60  # x LEDGER_POLL: how long an execution waits for the validator's ledger write
LEDGER_POLL = Duration.seconds(5)
CONFLICT = "DynamoDB.ConditionalCheckFailedException"
ME = "$.promotion.me"
ROUNDS = "$.promotion.rounds"


def promotion_key(zone: str) -> dict[str, tasks.DynamoAttributeValue]:
    return {"pk": tasks.DynamoAttributeValue.from_string(
        sfn.JsonPath.format("promotion#{}#{}", zone, sfn.JsonPath.string_at("$.promotion.dataset")))}


def fields() -> dict[str, object]:
    """What the execution learns from the staged key ``<zone>/<dataset>/ingest_date=…/<ingest_id>.parquet``."""
    parts = sfn.JsonPath.string_split(sfn.JsonPath.string_at("$.detail.object.key"), "/")
    return {"dataset": sfn.JsonPath.array_get_item(parts, 1),
            "ingest": sfn.JsonPath.array_get_item(sfn.JsonPath.string_split(sfn.JsonPath.array_get_item(parts, 3),
                                                                            "."), 0),
            "me": sfn.JsonPath.execution_id, "waits": 0, "rounds": 0}


class CoalescedPromotion(Construct):
    """``start`` leads to ``promote`` (the to_ods task, whose errors go to ``failed``), then ``after``."""

    def __init__(self, scope: Construct, id: str, *, zone: str, ledger: dynamodb.ITable, promote: sfn.TaskStateBase,
                 after: sfn.IChainable, failed: sfn.IChainable, hand_over: sfn.IChainable) -> None:
        super().__init__(scope, id)
        key = promotion_key(zone)
        me = tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at(ME))

        def update(name: str, expression: str, values: dict[str, tasks.DynamoAttributeValue],
                   condition: str | None = None, result: str | None = None) -> tasks.DynamoUpdateItem:
            return tasks.DynamoUpdateItem(
                self, name, table=ledger, key=key, update_expression=expression, condition_expression=condition,
                expression_attribute_values=values,
                return_values=tasks.DynamoReturnValues.ALL_NEW if result else tasks.DynamoReturnValues.NONE,
                result_selector={"runner": sfn.JsonPath.string_at("$.Attributes.runner.S")} if result else None,
                result_path=result or sfn.JsonPath.DISCARD)

        read = tasks.DynamoGetItem(
            self, "ReadIngest", table=ledger, consistent_read=True, result_path="$.ingest",
            key={"pk": tasks.DynamoAttributeValue.from_string(
                sfn.JsonPath.format("ingest#{}", sfn.JsonPath.string_at("$.promotion.ingest")))},
            projection_expression=[tasks.DynamoProjectionExpression().with_attribute("staged_key"),
                                   tasks.DynamoProjectionExpression().with_attribute("promoted_at")])
        request = update("RequestPromotion", "SET runner = if_not_exists(runner, :me) ADD requests :one",
                         {":me": me, ":one": tasks.DynamoAttributeValue.from_number(1)}, result="$.claim")
        snapshot = update("NoteRequestsSeen", "SET seen = requests", {":me": me}, condition="runner = :me")
        release = update("ReleaseTable", "REMOVE runner", {":me": me}, condition="runner = :me AND requests = seen")
        release_after_failure = update("ReleaseTableAfterFailure", "REMOVE runner", {":me": me},
                                       condition="runner = :me")
        hand_off = update("ReleaseTableToHandOver", "REMOVE runner", {":me": me}, condition="runner = :me")
        wait_count = sfn.Pass(self, "NextLedgerWait", parameters={
            "dataset": sfn.JsonPath.string_at("$.promotion.dataset"),
            "ingest": sfn.JsonPath.string_at("$.promotion.ingest"), "me": sfn.JsonPath.string_at(ME),
            "rounds": sfn.JsonPath.number_at(ROUNDS),
            "waits": sfn.JsonPath.math_add(sfn.JsonPath.number_at("$.promotion.waits"), 1)},
            result_path="$.promotion")
        next_round = sfn.Pass(self, "NextRound", parameters={
            "dataset": sfn.JsonPath.string_at("$.promotion.dataset"),
            "ingest": sfn.JsonPath.string_at("$.promotion.ingest"), "me": sfn.JsonPath.string_at(ME),
            "waits": sfn.JsonPath.number_at("$.promotion.waits"),
            "rounds": sfn.JsonPath.math_add(sfn.JsonPath.number_at(ROUNDS), 1)},
            result_path="$.promotion")

        release_after_failure.add_catch(failed, errors=["States.ALL"], result_path="$.releaseError")
        release_after_failure.next(failed)
        promote.add_catch(release_after_failure, errors=["States.ALL"], result_path="$.error")

        snapshot.add_catch(release_after_failure, errors=["States.ALL"], result_path="$.error")
        for step in (read, request):
            step.add_catch(failed, errors=["States.ALL"], result_path="$.error")
        snapshot.next(promote)
        promote.next(release)
        release.next(after)
        release.add_catch(next_round, errors=[CONFLICT], result_path=sfn.JsonPath.DISCARD)
        next_round.next(sfn.Choice(self, "TooManyRounds")
                        .when(sfn.Condition.number_greater_than_equals(ROUNDS, MAX_ROUNDS), hand_off)
                        .otherwise(snapshot))
        hand_off.next(hand_over)

        request.next(sfn.Choice(self, "RunnerOfTheTable")
                     .when(sfn.Condition.string_equals_json_path("$.claim.runner", ME), snapshot)
                     .otherwise(sfn.Succeed(self, "Coalesced",
                                            comment="The table's running promotion takes this file")))
        wait = sfn.Wait(self, "WaitForTheLedger", time=sfn.WaitTime.duration(LEDGER_POLL))
        wait.next(wait_count)
        wait_count.next(read)
        read.next(sfn.Choice(self, "IngestState")
                  # a runner's hand-over to a fresh execution: its ingest was promoted, the table's work goes on
                  .when(sfn.Condition.is_present("$.handover"), request)
                  .when(sfn.Condition.is_present("$.ingest.Item.promoted_at"),
                        sfn.Succeed(self, "AlreadyPromoted", comment="An earlier run of the table promoted it"))
                  .when(sfn.Condition.is_present("$.ingest.Item.staged_key"), request)
                  .when(sfn.Condition.number_greater_than_equals("$.promotion.waits", LEDGER_WAITS), request)
                  .otherwise(wait))
        self.start: sfn.IChainable = read
