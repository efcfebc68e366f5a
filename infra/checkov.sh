#!/usr/bin/env bash
# checkov on every synthesized template, from its own virtual environment (.venv-checkov,
# pins in requirements-checkov.txt: checkov's pins conflict with boto3's).
#   infra/checkov.sh            synthesize into cdk.out, then scan it
#   CDK_OUT=dir infra/checkov.sh   scan an existing cloud assembly (e.g. after `npx cdk synth`)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-checkov
if [ ! -x "$VENV/bin/checkov" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet -r requirements-checkov.txt
fi

OUT="${CDK_OUT:-}"
if [ -z "$OUT" ]; then
  OUT=cdk.out
  CDK_OUTDIR="$OUT" JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18,20 .venv/bin/python app.py
fi

exec "$VENV/bin/checkov" --config-file .checkov.yaml --directory "$OUT"
