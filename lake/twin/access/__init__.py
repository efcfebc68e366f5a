"""The access proof: every AWS call of a twin run, and every call AWS makes for the deployment, decided
against the synthesized policies as IAM decides.

``policy`` (one request against statements: deny wins, KMS delegation, resource policies),
``conditions`` and ``wildcards`` (IAM's matching), ``policies`` (each role's and resource's policies
from the resolved templates), ``actions`` (a recorded API call as IAM actions, ARNs, context keys and
the KMS requests behind it), ``principals`` (who made a recorded call), ``derived`` (what AWS does on
the deployment's behalf), ``proof`` (all of it, with failures and unused statements), ``unused`` (the
README table and its reasons), ``physical`` (resolving a copy of the templates without moto)."""
