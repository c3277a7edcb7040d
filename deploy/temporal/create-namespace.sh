#!/bin/sh
# Registers the namespace the API and the worker use, once (retention 30 days; closed journeys
# stay visible in the Web UI that long). Our worker registers its own search attributes at start.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
temporal operator namespace describe -n "$ns" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$ns" --retention 30d --address "$TEMPORAL_ADDRESS"
echo "namespace $ns is registered"
