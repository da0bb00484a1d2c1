#!/bin/sh
# Creates the namespace and rakortek's search attributes (filter provinces by stage in the UI:
# RakortekStage="SIGN_OFF"). Idempotent: existing ones are left as they are.
set -eu
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do sleep 3; done
temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" \
  || temporal operator namespace create -n "$NAMESPACE" --retention 30d --address "$TEMPORAL_ADDRESS"
for attribute in RakortekYear=Int RakortekProvince=Keyword RakortekStage=Keyword; do
  name=${attribute%%=*}
  type=${attribute#*=}
  temporal operator search-attribute create -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" \
    --name "$name" --type "$type" || echo "search attribute $name already exists"
done
echo "namespace $NAMESPACE ready"
